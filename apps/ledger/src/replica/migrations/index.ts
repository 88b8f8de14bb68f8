// Every migration of a ledger replica database, listed explicitly and in order.
import { LedgerChain1764000000000 } from './1764000000000-ledger-chain';

export const replicaMigrations = [LedgerChain1764000000000];
