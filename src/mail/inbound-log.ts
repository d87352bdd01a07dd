import type { Kysely } from 'kysely';
import { newId } from '../store/ids.ts';
import { deleteInboundMessagesBefore, insertInboundMessage } from '../store/repos/inbound-messages-repo.ts';
import type { Database, InboundMatchedBy, InboundVia } from '../store/schema.ts';
import type { Classification } from './classify/index.ts';
import type { MessageView } from './classify/message.ts';
import { shortHash } from './engagement.ts';
import type { InboundOutcome } from './inbound.ts';

/**
 * Every inbound message intake reads — whatever its class, matched or not, readable or not — is kept raw with its
 * classification and match for RETENTION_MS, so an admin can check a wrong call (Settings → Inbound mail).
 * One row per organisation and message (its Message-ID, else a hash of its bytes): a message that arrives twice,
 * or by two paths, is kept once. A sweep (startInboundRetention) deletes what is older.
 */
export const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

function reasonOf(outcome: InboundOutcome): string | null {
  switch (outcome.kind) {
    case 'bounce':
      return `${outcome.hard ? 'hard' : 'soft'} ${outcome.status} ${outcome.reason}`;
    case 'delay':
      return outcome.status;
    case 'auto_reply':
    case 'complaint':
    case 'ignored':
    case 'unmatched':
      return outcome.reason;
    case 'reply':
      return null;
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

/** Text columns cannot hold NUL (PostgreSQL); junk may carry it anywhere. */
function text(value: string | null | undefined, max: number): string | null {
  return value ? value.replaceAll('\u0000', '').slice(0, max) || null : null;
}

/** The key a message is kept under: its Message-ID, else a hash of its bytes. */
export function inboundDedupeKey(view: MessageView | null, bytes: Buffer): string {
  return view?.ownMessageId
    ? `mid:${text(view.ownMessageId, 900)}`
    : `hash:${shortHash(bytes.toString('latin1'))}`;
}

export async function keepInbound(
  db: Kysely<Database>,
  input: {
    orgId: string;
    via: InboundVia;
    bytes: Buffer;
    /** The message's size when `bytes` is only part of it (a message too large to read: its headers). */
    sizeBytes?: number;
    now: number;
    view: MessageView | null;
    result: Classification | null;
    outcome: InboundOutcome;
    match: { message: { id: string }; matchedBy: InboundMatchedBy } | undefined;
  },
): Promise<void> {
  const { view, result, outcome } = input;
  await insertInboundMessage(db, {
    org_id: input.orgId,
    id: newId(input.now),
    dedupe_key: inboundDedupeKey(view, input.bytes),
    via: input.via,
    received_at: input.now,
    from_address: text(view?.fromAddress, 500),
    subject: text(view?.subject, 1000),
    message_id: text(view?.ownMessageId, 1000),
    class: result?.class ?? 'unreadable',
    detail: result ? text(`${result.via}${result.detail ? `: ${result.detail}` : ''}`, 500) : null,
    outcome: outcome.kind,
    reason: text(reasonOf(outcome), 1000),
    outbound_message_id: input.match?.message.id ?? null,
    matched_by: input.match?.matchedBy ?? null,
    size_bytes: input.sizeBytes ?? input.bytes.length,
    raw_base64: input.bytes.toString('base64'),
  });
}

/** Deletes messages kept longer than RETENTION_MS, in batches; returns how many. */
export async function sweepInboundMessages(db: Kysely<Database>, now: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteInboundMessagesBefore(db, now - RETENTION_MS, 500);
    total += deleted;
    if (deleted < 500) return total;
  }
}

/** Runs the sweep now and then every `everyMs` (default hourly) until stopped. */
export function startInboundRetention(input: {
  db: Kysely<Database>;
  now: () => number;
  everyMs?: number;
  onError: (error: unknown) => void;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = sweepInboundMessages(input.db, input.now()).catch(input.onError);
  };
  run();
  const timer = setInterval(run, input.everyMs ?? 3_600_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
