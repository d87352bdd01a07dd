import { parseOrgSettings } from '../domain/org-settings.ts';
import { placeOf } from '../domain/schedule/infer-zone.ts';
import { type RecordZone, recordZone } from '../domain/schedule/record-zone.ts';
import type { Store } from '../store/db.ts';
import { loadRecipientZoneRows } from '../store/repos/recipient-zones-repo.ts';

function custom(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * The recipient's time zone of each email, as a recipient-zone schedule reads it (the record's own zone, else
 * inferred from its city/region/country or phone number, else the sender's, else the organisation's), for
 * showing "scheduled for" in the recipient's time next to the viewer's.
 */
export async function recipientZones(
  db: Store['db'],
  orgId: string,
  messages: readonly { id: string; record_id: string | null; sender_user_id: string }[],
): Promise<Map<string, RecordZone>> {
  const recordIds = [...new Set(messages.flatMap((m) => (m.record_id ? [m.record_id] : [])))];
  const userIds = [...new Set(messages.map((m) => m.sender_user_id))];
  if (messages.length === 0) return new Map();
  const rows = await loadRecipientZoneRows(db, orgId, recordIds, userIds);
  const records = new Map(rows.records.map((r) => [r.id, r] as const));
  const users = new Map(rows.users.map((u) => [u.id, u.time_zone] as const));
  const orgZone = rows.orgSettingsJson ? parseOrgSettings(rows.orgSettingsJson).timeZone : null;
  const zones = new Map<string, RecordZone>();
  for (const message of messages) {
    const record = message.record_id ? records.get(message.record_id) : undefined;
    zones.set(
      message.id,
      recordZone({
        recordZone: record?.time_zone ?? null,
        place: placeOf(record ? custom(record.custom_json) : {}),
        phones: [record?.phone_business ?? null, record?.phone_mobile ?? null],
        defaultZone: users.get(message.sender_user_id) ?? orgZone ?? null,
      }),
    );
  }
  return zones;
}
