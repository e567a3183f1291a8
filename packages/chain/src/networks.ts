// Network parameters: address prefixes, header layout, PoW hash and asset marker per chain (chainparams.cpp values).

export type NetworkName =
  | 'evrmore-main' | 'evrmore-test' | 'evrmore-regtest'
  | 'ravencoin-main' | 'ravencoin-test'
  | 'bitcoin-main' | 'bitcoin-test';

export type HashAlgorithm = 'sha256d' | 'evrprogpow' | 'kawpow' | 'x16r' | 'x16rv2';

export interface Network {
  name: NetworkName;
  /** base58check version byte of P2PKH addresses. */
  pubkeyHash: number;
  /** base58check version byte of P2SH addresses. */
  scriptHash: number;
  /** bech32 human-readable part; absent where the chain has no native segwit addresses (Evrmore, Ravencoin). */
  bech32?: string;
  /** 120 = version…bits ‖ nHeight ‖ nNonce64 ‖ mix_hash (EVRPROGPOW/KAWPOW); 80 = Bitcoin layout. */
  headerFormat: 80 | 120;
  /** How the block hash is computed. X16R/X16Rv2 are named but not implemented (their hash is reported as ''). */
  hashAlgorithm: HashAlgorithm;
  /** Three-letter marker after OP_EVR_ASSET (0xc0) in asset scripts; absent on chains without assets. */
  assetPrefix?: 'evr' | 'rvn';
}

export const NETWORKS: Readonly<Record<NetworkName, Network>> = Object.freeze({
  'evrmore-main': Object.freeze<Network>({ name: 'evrmore-main', pubkeyHash: 33, scriptHash: 92, headerFormat: 120, hashAlgorithm: 'evrprogpow', assetPrefix: 'evr' }),
  // Testnet and regtest keep the 80-byte sha256d header at the reference commit (fEvrprogpowAsMiningAlgo = false).
  'evrmore-test': Object.freeze<Network>({ name: 'evrmore-test', pubkeyHash: 111, scriptHash: 196, headerFormat: 80, hashAlgorithm: 'sha256d', assetPrefix: 'evr' }),
  'evrmore-regtest': Object.freeze<Network>({ name: 'evrmore-regtest', pubkeyHash: 111, scriptHash: 196, headerFormat: 80, hashAlgorithm: 'sha256d', assetPrefix: 'evr' }),
  // Ravencoin since KAWPOW activation; older Ravencoin blocks are 80-byte X16R/X16Rv2 (pass a Network with those fields).
  'ravencoin-main': Object.freeze<Network>({ name: 'ravencoin-main', pubkeyHash: 60, scriptHash: 122, headerFormat: 120, hashAlgorithm: 'kawpow', assetPrefix: 'rvn' }),
  'ravencoin-test': Object.freeze<Network>({ name: 'ravencoin-test', pubkeyHash: 111, scriptHash: 196, headerFormat: 120, hashAlgorithm: 'kawpow', assetPrefix: 'rvn' }),
  'bitcoin-main': Object.freeze<Network>({ name: 'bitcoin-main', pubkeyHash: 0, scriptHash: 5, bech32: 'bc', headerFormat: 80, hashAlgorithm: 'sha256d' }),
  'bitcoin-test': Object.freeze<Network>({ name: 'bitcoin-test', pubkeyHash: 111, scriptHash: 196, bech32: 'tb', headerFormat: 80, hashAlgorithm: 'sha256d' }),
});

/** The 15 ASCII words ProgPoW's final Keccak pass pads with (ethash progpow.cpp `evrmore_evrprogpow` / `ravencoin_kawpow`). */
export const PROGPOW_CONSTANTS = Object.freeze({
  evrprogpow: 'EVRMORE-PROGPOW',
  // Ravencoin's table starts with 0x72, a lowercase 'r' (commented "R" in its source); the KAWPOW vectors need it.
  kawpow: 'rAVENCOINKAWPOW',
} as const);
