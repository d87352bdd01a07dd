export {
  currentDigestPeriod,
  DIGEST_FREQUENCIES,
  type DigestFrequency,
  type DigestPeriod,
} from './digest-period.ts';
export { isNotificationKind, NOTIFICATION_KINDS, type NotificationKind, notificationKey } from './kinds.ts';
