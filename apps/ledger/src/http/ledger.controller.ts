// The ledger's HTTP API: signed tree head, blocks, inclusion and consistency proofs, replica state,
// verification jobs, the export and the public key auditors verify everything with. Reads of heads,
// blocks and proofs are open; the export needs the auditor's or operator's token, a repair the operator's.
import { Controller, Get, Header, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { once } from 'node:events';
import type { Response } from 'express';
import type { ProofBundle } from '@medshare/merkle';
import type { BearerTokens } from '@medshare/service-kit';
import type { BlockRecord } from '../block/sealed-block';
import { LedgerError, LedgerErrorCode } from '../ledger-error';
import { QuorumView } from '../replica/quorum-view';
import { Replica } from '../replica/replica';
import { LedgerVerification } from '../verification/ledger-verification';
import { VerificationJobs, type VerificationJob } from '../verification/verification-jobs';
import { LedgerWriter } from '../writer/ledger-writer';
import { writeLedgerExport } from './ledger-export';
import { ProofIndex, type ConsistencyAnswer } from './proof-index';
import { countParam, eventIdParam, flagParam, jobIdParam } from './request-params';

export const LEDGER_REPLICAS = Symbol('LEDGER_REPLICAS');
export const LEDGER_PUBLIC_KEY = Symbol('LEDGER_PUBLIC_KEY');
export const LEDGER_ROLE_TOKENS = Symbol('LEDGER_ROLE_TOKENS');

/** Who may do more than read heads and proofs: operators (repairs, export) and auditors (export). */
export type LedgerRole = 'operator' | 'auditor';

/** A block as served and published: the header and what proves it. */
export type SignedBlock = Pick<BlockRecord, 'header' | 'blockHash' | 'signature' | 'checkpoint'>;

/** The signed tree head (RFC 9162 §4.10 in content: size, root, time; signed as a checkpoint) and the block it closes. */
export type SignedTreeHead = SignedBlock & { treeSize: number; rootHash: string; timestamp: string; height: number };

export interface ReplicaState {
  replica: string;
  address: string;
  reachable: boolean;
  height?: number;
  lag?: number;
  /** This instance holds the replica's writer lock. */
  writerLock: boolean;
  inSync: boolean;
  healthy: boolean;
  lastVerification?: { at: string; ok: boolean; findings: number };
}

@Controller('v1')
export class LedgerController {
  constructor(
    private readonly quorum: QuorumView,
    private readonly proofs: ProofIndex,
    private readonly verification: LedgerVerification,
    private readonly jobs: VerificationJobs,
    private readonly writer: LedgerWriter,
    @Inject(LEDGER_REPLICAS) private readonly replicas: Replica[],
    @Inject(LEDGER_PUBLIC_KEY) private readonly publicKey: KeyObject,
    @Inject(LEDGER_ROLE_TOKENS) private readonly tokens: BearerTokens<LedgerRole>,
  ) {}

  @Get('blocks/head')
  async head(): Promise<SignedTreeHead> {
    const head = await this.quorum.committedHead();
    if (!head) throw new LedgerError(LedgerErrorCode.NotFound, 'the ledger has no committed block yet');
    const { header } = head.block;
    return { treeSize: header.treeSize, rootHash: header.treeRoot, timestamp: header.time, height: header.height, ...signed(head.block) };
  }

  @Get('blocks/:height')
  async block(@Param('height') heightText: unknown): Promise<SignedBlock> {
    const height = countParam('height', heightText);
    const head = await this.quorum.committedHead();
    const agreed = head && height <= head.block.header.height ? await this.quorum.blockAt(height) : undefined;
    if (!agreed) throw new LedgerError(LedgerErrorCode.NotFound, 'no committed block at that height');
    return signed(agreed.block);
  }

  @Get('events/:eventId/proof')
  proof(@Param('eventId') eventId: unknown): Promise<ProofBundle> {
    return this.proofs.proofOf(eventIdParam(eventId));
  }

  @Get('consistency')
  consistency(@Query('from') from: unknown, @Query('to') to: unknown): Promise<ConsistencyAnswer> {
    return this.proofs.consistency(countParam('from', from), countParam('to', to));
  }

  @Get('replicas')
  async replicaStates(): Promise<{ writer: string; quorum: number; commitsStopped: boolean; replicas: ReplicaState[] }> {
    const heads = await this.quorum.heads();
    const committed = await this.quorum.committedHead().catch(() => undefined);
    const last = this.verification.lastReport;
    const replicas = this.replicas.map((replica, i): ReplicaState => {
      const head = heads[i];
      const verified = last?.replicas.find((report) => report.replica === replica.name);
      const height = head === undefined ? undefined : (head?.height ?? -1);
      const lag = height === undefined || committed === undefined ? undefined : Math.max(0, committed.block.header.height - height);
      return {
        replica: replica.name,
        address: replica.address,
        reachable: head !== undefined,
        ...(height === undefined ? {} : { height }),
        ...(lag === undefined ? {} : { lag }),
        writerLock: replica.holdsWriterLock,
        inSync: this.writer.isInSync(replica),
        healthy: head !== undefined && lag === 0 && (verified?.ok ?? true),
        ...(verified && last ? { lastVerification: { at: last.at, ok: verified.ok, findings: verified.findings.length } } : {}),
      };
    });
    return { writer: this.writer.writerRole, quorum: this.writer.quorumSize, commitsStopped: this.writer.isActive && this.writer.commitsBlocked, replicas };
  }

  /**
   * Starts verifying every replica and answers at once: 202, Location of the job. Read-only by
   * default and open to anyone (without a token, a run finished in the last minute is the answer);
   * `repair=true` is an operator action, run by the active writer.
   */
  @Post('verifications')
  @HttpCode(202)
  startVerification(
    @Query('repair') repairText: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): VerificationJob {
    const repair = flagParam('repair', repairText, false);
    if (repair) this.requireRole(authorization, 'operator');
    // A token given must be valid: it buys a run of its own, where anonymous callers may share a recent one.
    else if (authorization !== undefined) this.requireRole(authorization, 'auditor', 'operator');
    if (repair && !this.writer.isActive) throw new LedgerError(LedgerErrorCode.NotWriter, 'repairs run on the active writer; this instance is a standby');
    const job = this.jobs.start(repair, { fresh: authorization !== undefined });
    response.setHeader('Location', `/v1/verifications/${job.id}`);
    return job;
  }

  @Get('verifications/:id')
  verificationJob(@Param('id') id: unknown): VerificationJob {
    const job = this.jobs.get(jobIdParam(id));
    if (!job) throw new LedgerError(LedgerErrorCode.NotFound, 'no such verification on this instance');
    return job;
  }

  /** The committed chain as JSON Lines, for `medshare-verify file` (streamed; one replica snapshot). Auditors and operators. */
  @Get('export')
  async exportLedger(@Headers('authorization') authorization: string | undefined, @Res() response: Response): Promise<void> {
    this.requireRole(authorization, 'auditor', 'operator');
    const head = await this.quorum.committedHead();
    const height = head?.block.header.height ?? -1;
    const replica = head?.holders[0] ?? this.replicas[0];
    response.status(200).setHeader('Content-Type', 'application/x-ndjson');
    response.setHeader('Content-Disposition', `attachment; filename="ledger-${height}.jsonl"`);
    try {
      await writeLedgerExport(replica, height, async (line) => {
        if (!response.write(line)) await once(response, 'drain');
      });
      response.end();
    } catch {
      // Headers are out: cutting the stream short is the only way left to say it failed.
      response.destroy();
    }
  }

  @Get('public-key')
  @Header('Content-Type', 'application/x-pem-file')
  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  private requireRole(authorization: string | undefined, ...roles: LedgerRole[]): void {
    const role = this.tokens.roleOf(authorization);
    if (role === undefined) throw new LedgerError(LedgerErrorCode.Unauthenticated, `a bearer token of the ${roles.join(' or ')} is required`);
    if (!roles.includes(role)) throw new LedgerError(LedgerErrorCode.Forbidden, `this is for the ${roles.join(' or ')} only`);
  }
}

function signed({ header, blockHash, signature, checkpoint }: BlockRecord): SignedBlock {
  return { header, blockHash, signature, checkpoint };
}
