// Evrmore's asset fee ("burn") addresses and amounts, from chainparams.cpp (EvrmoreOrg/Evrmore @ 8365190).
export const COIN = 100_000_000n;

/** nIssueAssetBurnAmount / nReissueAssetBurnAmount on every Evrmore network. */
export const ISSUE_ASSET_BURN_SATS = 500n * COIN;
export const REISSUE_ASSET_BURN_SATS = 100n * COIN;

export interface BurnHashes {
  /** hash160 of strIssueAssetBurnAddress (P2PKH). */
  readonly issueAsset: string;
  /** hash160 of strReissueAssetBurnAddress (P2PKH). */
  readonly reissueAsset: string;
}

// EXissueAssetXXXXXXXXXXXXXXXXYiYRBD / EXReissueAssetXXXXXXXXXXXXXXY1ANQH on mainnet; the n1… pair on test and regtest.
const MAIN: BurnHashes = { issueAsset: '9fce23b5eab1ad3c1d6892ccb7f7c9247454df98', reissueAsset: '9c8c16192e5fd0f278703982a5e50d97c2f22826' };
const TEST: BurnHashes = { issueAsset: 'dda3d21797ff26cb8ae9a769bdc68cf4567f5bba', reissueAsset: 'da61c47adbad4a81e5f14e1fabb3d167a51ca448' };

export const BURN_HASHES = { 'evrmore-main': MAIN, 'evrmore-test': TEST, 'evrmore-regtest': TEST } as const;
export type SimNetworkName = keyof typeof BURN_HASHES;
