// @chainfan/chain — pure Bitcoin-family + Evrmore codecs: bytes, hashes, transactions, blocks, scripts, addresses,
// OP_EVR_ASSET payloads, ZMQ frames and the node's RPC JSON shapes. No I/O; decoders of untrusted bytes are total.
export {
  bytesToHex, hexToBytes, tryHexToBytes, reverseHex, reversedHexAt, hashToBytes, concatBytes, bytesEqual,
} from './bytes.js';
export { sha256, sha256d, sha256dParts, hash160 } from './hash.js';
export { encodeCompactSize, readCompactSize, compactSizeLength } from './compact-size.js';
export { NETWORKS, PROGPOW_CONSTANTS, type Network, type NetworkName, type HashAlgorithm } from './networks.js';
export {
  decodeTx, encodeTx, buildTx, type TxInput, type TxOutput, type TxData, type Transaction, type EncodeTxOptions,
} from './tx.js';
export { decodeHeader, encodeHeader, blockHash, type BlockHeader, type HeaderFields } from './header.js';
export { decodeBlock, buildBlock, witnessCommitment, type Block } from './block.js';
export { merkleRoot } from './merkle.js';
export { progpowFinalHash, keccakF800, type ProgpowFinalInput } from './progpow.js';
export { bitsToDifficulty, chainworkForBits, chainworkToHex, compactToTarget } from './difficulty.js';
export { base58Encode, base58Decode, base58checkEncode, base58checkDecode } from './base58.js';
export { encodeSegwitAddress, decodeSegwitAddress, type SegwitAddress } from './bech32.js';
export {
  decodeAddress, addressFromHash, addressFromScript, addressToScript, p2pkhScript, p2shScript, nullDataScript,
  witnessScript, type DecodedAddress,
} from './address.js';
export { disassemble, disassembleScriptSig } from './script-asm.js';
export { classifyScript, solveScript, type ScriptType, type ScriptInfo, type Solution } from './script-classify.js';
export {
  decodeAssetPayload, decodeAssetPush, encodeAssetPayload, assetScript, matchAssetScript, OWNER_ASSET_AMOUNT,
  type AssetOutput, type AssetKind, type AssetTypeChar, type AssetScriptMatch,
} from './asset.js';
export { decodeNullAssetScript, type NullAssetData } from './null-asset.js';
export {
  decodeZmqFrames, encodeZmqFrames, decodeSequenceBody, MAX_ZMQ_TOPIC_BYTES, type ZmqNotification, type SequenceBody,
} from './zmq.js';
export {
  txToJson, blockToJson, headerToJson, scriptPubKeyToJson, assetToJson, formatAmount, amountValue,
  type BlockContext, type TxBlockInfo,
} from './rpc-json.js';
