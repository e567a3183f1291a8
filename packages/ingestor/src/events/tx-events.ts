// Turns one decoded transaction into its bus envelopes: the transaction itself (channel txs, or its partition) and one event per
// asset output (channel assets). Each body is serialized exactly once, here.
import { type Network, type Transaction, txToJson } from '@chainfan/chain';
import { type OutgoingEnvelope, txsPartitionOf } from '@chainfan/protocol';
import { inputAddress } from './routing-keys.js';

interface JsonVout {
  n: number;
  scriptPubKey?: { type?: string; addresses?: string[]; asset?: { name: string; amount: number } };
}

const ASSET_KIND: Readonly<Record<string, string>> = { transfer_asset: 'transfer', new_asset: 'new', reissue_asset: 'reissue' };

/** `txsPartitions` > 1: the transaction goes to its txid's partition of the stream (`txs.<i>`, see txsPartitionOf). */
export function txEnvelopes(tx: Transaction, net: Network, ts: number, inBlock?: Parameters<typeof txToJson>[2], txsPartitions = 1): OutgoingEnvelope[] {
  const json = txToJson(tx, net, inBlock);
  const addresses = new Set<string>();
  const assets = new Set<string>();
  const out: OutgoingEnvelope[] = [];
  /** the sending side of asset moves: the first input whose script shows an address */
  let from: string | null = null;
  if (!tx.isCoinbase) {
    for (const input of tx.inputs) {
      const a = inputAddress(input, net);
      if (a !== undefined) addresses.add(a);
      if (a !== undefined && from === null) from = a;
    }
  }
  const assetBodies: { body: string; name: string; address: string | undefined }[] = [];
  for (const vout of (json['vout'] as JsonVout[] | undefined) ?? []) {
    const spk = vout.scriptPubKey;
    for (const a of spk?.addresses ?? []) addresses.add(a);
    const asset = spk?.asset;
    if (asset !== undefined && spk?.type !== undefined) {
      assets.add(asset.name);
      const kind = spk.type === 'new_asset' && asset.name.endsWith('!') ? 'owner' : (ASSET_KIND[spk.type] ?? spk.type);
      const address = spk.addresses?.[0];
      // evrmore-rpc's documented `asset` message: {txid, asset, amount, type}; vout/address/from are additions.
      const body = JSON.stringify({ txid: tx.txid, asset: asset.name, amount: asset.amount, type: kind, vout: vout.n, address: address ?? null, from });
      assetBodies.push({ body, name: asset.name, address });
    }
  }
  out.push({
    channel: txsPartitionOf(tx.txid, txsPartitions),
    kind: 'tx',
    ts,
    keys: { a: [...addresses], ...(assets.size > 0 ? { as: [...assets] } : {}), tx: tx.txid },
    body: JSON.stringify(json),
  });
  for (const a of assetBodies) {
    out.push({ channel: 'assets', kind: 'asset', ts, keys: { as: [a.name], ...(a.address ? { a: [a.address] } : {}), tx: tx.txid }, body: a.body });
  }
  return out;
}
