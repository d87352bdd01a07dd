import {
  type RecordType,
  type SequenceDefinition,
  SequenceDefinitionSchema,
  type SequenceNode,
} from '../sequence/definition.ts';
import { remapTemplateIds, templateIdsOf } from '../sequence/export-format.ts';
import { BUILTIN_EMAIL_TEMPLATES, builtinTemplateId, type TemplateLanguage } from './builtin-emails.ts';
import { BUILTIN_STEP_NAMES_PL } from './builtin-step-names-pl.ts';

/**
 * The six sequence templates Dynamics 365 ships, as realistic branching sequences. In these definitions a
 * `templateId` is the key of a built-in email template (builtin-emails.ts); `instantiateBuiltin` turns it into the
 * id of the installed template in the chosen language.
 */
export interface BuiltinSequenceTemplate {
  key: string;
  recordType: RecordType;
  name: Record<TemplateLanguage, string>;
  description: Record<TemplateLanguage, string>;
  definition: SequenceDefinition;
}

const days = (d: number, hours = 0) => ({ days: d, hours });

function define(start: string, nodes: SequenceNode[]): SequenceDefinition {
  return SequenceDefinitionSchema.parse({
    start,
    nodes,
    // No send window: automated emails follow the organisation's default schedule (docs/schedules.md).
    options: { exitOnReply: true, skipNonWorkingDays: true, sendWindow: null },
  });
}

export const BUILTIN_SEQUENCES: BuiltinSequenceTemplate[] = [
  {
    key: 'no-show-follow-up',
    recordType: 'contact',
    name: {
      en: "Follow up when contacts don't show up",
      pl: 'Kontakt po nieobecności na spotkaniu',
    },
    description: {
      en: 'Reach contacts who missed a meeting: an apology email, a call to reschedule, new times, then a polite close.',
      pl: 'Kontakt z osobami, które nie przyszły na spotkanie: wiadomość, telefon w sprawie nowego terminu, propozycja terminów i uprzejme zakończenie.',
    },
    definition: define('n1', [
      {
        id: 'n1',
        kind: 'automated_email',
        name: 'Sorry we missed you',
        templateId: 'noshow-missed',
        next: 'n2',
      },
      {
        id: 'n2',
        kind: 'condition_email',
        name: 'Replied?',
        inspects: 'n1',
        results: ['replied'],
        combine: 'any',
        timeLimit: days(1),
        moveWhenSeen: true,
        yes: 'n3',
        no: 'n4',
      },
      {
        id: 'n3',
        kind: 'task',
        name: 'Book the new meeting',
        description: 'Send an invitation for the agreed time.',
        next: null,
      },
      {
        id: 'n4',
        kind: 'phone_call',
        name: 'Call to reschedule',
        description: 'Offer two or three new times.',
        next: 'n5',
      },
      {
        id: 'n5',
        kind: 'condition_call',
        name: 'Reached them?',
        inspects: 'n4',
        outcomes: ['connected'],
        yes: 'n3',
        no: 'n6',
      },
      { id: 'n6', kind: 'wait', name: 'Give it two days', days: 2, hours: 0, next: 'n7' },
      { id: 'n7', kind: 'email', name: 'Offer new times', templateId: 'noshow-reschedule', next: 'n8' },
      {
        id: 'n8',
        kind: 'condition_email',
        name: 'Replied to the new times?',
        inspects: 'n7',
        results: ['replied'],
        combine: 'any',
        timeLimit: days(3),
        moveWhenSeen: true,
        yes: 'n3',
        no: 'n9',
      },
      { id: 'n9', kind: 'automated_email', name: 'Close the loop', templateId: 'noshow-final', next: null },
    ]),
  },
  {
    key: 'high-volume-outbound-prospecting',
    recordType: 'lead',
    name: { en: 'High-volume outbound prospecting', pl: 'Masowe pozyskiwanie potencjalnych klientów' },
    description: {
      en: 'First touch by email, call the leads who engage, follow up by email and LinkedIn, stop when they reply.',
      pl: 'Pierwszy kontakt mailowy, telefon do zainteresowanych, przypomnienie mailem i przez LinkedIn, koniec po odpowiedzi.',
    },
    definition: define('n1', [
      { id: 'n1', kind: 'automated_email', name: 'Introduction', templateId: 'hvop-intro', next: 'n2' },
      {
        id: 'n2',
        kind: 'condition_email',
        name: 'Opened or clicked?',
        inspects: 'n1',
        results: ['opened', 'link_clicked'],
        combine: 'any',
        timeLimit: days(2),
        moveWhenSeen: true,
        yes: 'n3',
        no: 'n5',
      },
      {
        id: 'n3',
        kind: 'phone_call',
        name: 'Call while it is warm',
        description: 'Ask how they handle follow-up today.',
        next: 'n4',
      },
      {
        id: 'n4',
        kind: 'condition_call',
        name: 'Connected?',
        inspects: 'n3',
        outcomes: ['connected'],
        yes: 'n9',
        no: 'n5',
      },
      { id: 'n5', kind: 'wait', name: 'Wait three days', days: 3, hours: 0, next: 'n6' },
      { id: 'n6', kind: 'automated_email', name: 'Follow-up', templateId: 'hvop-followup', next: 'n7' },
      {
        id: 'n7',
        kind: 'condition_email',
        name: 'Replied?',
        inspects: 'n6',
        results: ['replied'],
        combine: 'any',
        timeLimit: days(3),
        moveWhenSeen: true,
        yes: 'n9',
        no: 'n8',
      },
      {
        id: 'n8',
        kind: 'linkedin_connect',
        name: 'Connect on LinkedIn',
        description: 'Send a short, personal connection note.',
        next: 'n10',
      },
      { id: 'n10', kind: 'wait', name: 'Wait four days', days: 4, hours: 0, next: 'n11' },
      { id: 'n11', kind: 'automated_email', name: 'Last email', templateId: 'hvop-breakup', next: null },
      {
        id: 'n9',
        kind: 'task',
        name: 'Qualify the lead',
        description: 'Check budget, need and timing; book a meeting.',
        next: null,
      },
    ]),
  },
  {
    key: 'upcoming-event-invitation',
    recordType: 'contact',
    name: { en: 'Invite to an upcoming event', pl: 'Zaproszenie na nadchodzące wydarzenie' },
    description: {
      en: 'Invite contacts to an event, remind those who do not answer, call the rest, and confirm the ones who register.',
      pl: 'Zaproszenie kontaktów na wydarzenie, przypomnienie, telefon do pozostałych i potwierdzenie dla zarejestrowanych.',
    },
    definition: define('n1', [
      { id: 'n1', kind: 'automated_email', name: 'Invitation', templateId: 'event-invite', next: 'n2' },
      {
        id: 'n2',
        kind: 'condition_email',
        name: 'Replied or clicked?',
        inspects: 'n1',
        results: ['replied', 'link_clicked'],
        combine: 'any',
        timeLimit: days(3),
        moveWhenSeen: true,
        yes: 'n3',
        no: 'n4',
      },
      {
        id: 'n3',
        kind: 'task',
        name: 'Register the contact',
        description: 'Add them to the guest list.',
        next: 'n8',
      },
      { id: 'n4', kind: 'email', name: 'Personal reminder', templateId: 'event-reminder', next: 'n5' },
      {
        id: 'n5',
        kind: 'condition_email',
        name: 'Answered the reminder?',
        inspects: 'n4',
        results: ['replied'],
        combine: 'any',
        timeLimit: days(2),
        moveWhenSeen: true,
        yes: 'n3',
        no: 'n6',
      },
      { id: 'n6', kind: 'phone_call', name: 'Invite by phone', next: 'n7' },
      {
        id: 'n7',
        kind: 'condition_call',
        name: 'Reached them?',
        inspects: 'n6',
        outcomes: ['connected'],
        yes: 'n3',
        no: 'n10',
      },
      {
        id: 'n10',
        kind: 'linkedin_inmail',
        name: 'Invite on LinkedIn',
        description: 'A short InMail with the event details.',
        next: null,
      },
      { id: 'n8', kind: 'wait', name: 'Until the week of the event', days: 5, hours: 0, next: 'n9' },
      { id: 'n9', kind: 'automated_email', name: 'See you there', templateId: 'event-see-you', next: null },
    ]),
  },
  {
    key: 'product-demo-request',
    recordType: 'opportunity',
    name: { en: 'Meeting for product demo requests', pl: 'Spotkanie w sprawie prezentacji produktu' },
    description: {
      en: 'Call within the hour of a demo request, confirm or offer times by email, run the demo and follow up.',
      pl: 'Telefon w ciągu godziny od prośby o prezentację, potwierdzenie lub propozycja terminów, prezentacja i podsumowanie.',
    },
    definition: define('n1', [
      {
        id: 'n1',
        kind: 'phone_call',
        name: 'Call within the hour',
        description: 'Agree a time for the demo.',
        next: 'n2',
      },
      {
        id: 'n2',
        kind: 'condition_call',
        name: 'Connected?',
        inspects: 'n1',
        outcomes: ['connected'],
        yes: 'n3',
        no: 'n4',
      },
      {
        id: 'n3',
        kind: 'automated_email',
        name: 'Demo confirmation',
        templateId: 'demo-confirm',
        next: 'n8',
      },
      { id: 'n4', kind: 'automated_email', name: 'Pick a time', templateId: 'demo-schedule', next: 'n5' },
      {
        id: 'n5',
        kind: 'condition_email',
        name: 'Replied?',
        inspects: 'n4',
        results: ['replied', 'link_clicked'],
        combine: 'any',
        timeLimit: days(2),
        moveWhenSeen: true,
        yes: 'n8',
        no: 'n6',
      },
      { id: 'n6', kind: 'phone_call', name: 'Second call', next: 'n7' },
      {
        id: 'n7',
        kind: 'condition_call',
        name: 'Connected?',
        inspects: 'n6',
        outcomes: ['connected'],
        yes: 'n8',
        no: 'n11',
      },
      {
        id: 'n8',
        kind: 'task',
        name: 'Run the product demo',
        description: 'Tailor it to the questions they sent.',
        next: 'n9',
      },
      { id: 'n9', kind: 'wait', name: 'Next day', days: 1, hours: 0, next: 'n10' },
      { id: 'n10', kind: 'email', name: 'Thank you and next steps', templateId: 'demo-followup', next: null },
      {
        id: 'n11',
        kind: 'automated_email',
        name: 'Still interested?',
        templateId: 'demo-lastcall',
        next: null,
      },
    ]),
  },
  {
    key: 'account-renewal',
    recordType: 'account',
    name: { en: 'Upcoming account renewal', pl: 'Zbliżające się odnowienie konta' },
    description: {
      en: 'Prepare the renewal: review the account, announce the renewal, call, send the quote and follow it up.',
      pl: 'Przygotowanie odnowienia: przegląd konta, zapowiedź, rozmowa, oferta i przypomnienie o niej.',
    },
    definition: define('n1', [
      {
        id: 'n1',
        kind: 'task',
        name: 'Review account health',
        description: 'Usage, open cases and the people involved.',
        next: 'n2',
      },
      {
        id: 'n2',
        kind: 'automated_email',
        name: 'Renewal is coming up',
        templateId: 'renewal-notice',
        next: 'n3',
      },
      {
        id: 'n3',
        kind: 'condition_email',
        name: 'Opened or replied?',
        inspects: 'n2',
        results: ['opened', 'replied'],
        combine: 'any',
        timeLimit: days(5),
        moveWhenSeen: false,
        yes: 'n4',
        no: 'n12',
      },
      { id: 'n4', kind: 'phone_call', name: 'Renewal call', next: 'n5' },
      {
        id: 'n5',
        kind: 'condition_call',
        name: 'Connected?',
        inspects: 'n4',
        outcomes: ['connected'],
        yes: 'n6',
        no: 'n9',
      },
      { id: 'n6', kind: 'task', name: 'Send the renewal quote', next: 'n7' },
      { id: 'n7', kind: 'wait', name: 'One week', days: 7, hours: 0, next: 'n8' },
      { id: 'n8', kind: 'email', name: 'Quote follow-up', templateId: 'renewal-quote', next: null },
      {
        id: 'n12',
        kind: 'linkedin_research',
        name: 'Find the decision maker',
        description: 'Check who owns the renewal now.',
        next: 'n9',
      },
      { id: 'n9', kind: 'email', name: 'Ask for a call', templateId: 'renewal-call-request', next: 'n10' },
      { id: 'n10', kind: 'wait', name: 'Three days', days: 3, hours: 0, next: 'n11' },
      { id: 'n11', kind: 'phone_call', name: 'Second renewal call', next: 'n6' },
    ]),
  },
  {
    key: 'webinar-follow-up',
    recordType: 'lead',
    name: { en: 'Webinar follow-up', pl: 'Kontakt po webinarze' },
    description: {
      en: 'Thank attendees, call the ones who watch the recording, send resources to the rest and connect on LinkedIn.',
      pl: 'Podziękowanie uczestnikom, telefon do oglądających nagranie, materiały dla pozostałych i kontakt przez LinkedIn.',
    },
    definition: define('n1', [
      {
        id: 'n1',
        kind: 'automated_email',
        name: 'Thanks for joining',
        templateId: 'webinar-thanks',
        next: 'n2',
      },
      {
        id: 'n2',
        kind: 'condition_email',
        name: 'Opened the recording?',
        inspects: 'n1',
        results: ['link_clicked'],
        combine: 'any',
        timeLimit: days(3),
        moveWhenSeen: true,
        yes: 'n3',
        no: 'n7',
      },
      { id: 'n3', kind: 'phone_call', name: 'Call an engaged attendee', next: 'n4' },
      {
        id: 'n4',
        kind: 'condition_call',
        name: 'Connected?',
        inspects: 'n3',
        outcomes: ['connected'],
        yes: 'n5',
        no: 'n6',
      },
      { id: 'n5', kind: 'task', name: 'Book a discovery meeting', next: null },
      {
        id: 'n6',
        kind: 'email',
        name: 'Sorry I missed you',
        templateId: 'webinar-call-followup',
        next: null,
      },
      { id: 'n7', kind: 'wait', name: 'Four days', days: 4, hours: 0, next: 'n8' },
      { id: 'n8', kind: 'automated_email', name: 'Resources', templateId: 'webinar-resources', next: 'n9' },
      {
        id: 'n9',
        kind: 'condition_email',
        name: 'Engaged with the resources?',
        inspects: 'n8',
        results: ['replied', 'link_clicked'],
        combine: 'any',
        timeLimit: days(4),
        moveWhenSeen: true,
        yes: 'n3',
        no: 'n10',
      },
      { id: 'n10', kind: 'linkedin_connect', name: 'Connect on LinkedIn', next: null },
    ]),
  },
];

export const BUILTIN_PREFIX = 'builtin:';

export function findBuiltinSequence(key: string): BuiltinSequenceTemplate | undefined {
  return BUILTIN_SEQUENCES.find((template) => template.key === key);
}

/** The template's definition with email template keys replaced by installed template ids in `language`. */
export function instantiateBuiltin(
  template: BuiltinSequenceTemplate,
  language: TemplateLanguage,
): SequenceDefinition {
  const keys = new Set(BUILTIN_EMAIL_TEMPLATES.map((t) => t.key));
  const map = new Map(
    templateIdsOf(template.definition)
      .filter((key) => keys.has(key))
      .map((key) => [key, builtinTemplateId(key, language)] as const),
  );
  const definition = remapTemplateIds(template.definition, map);
  if (language === 'en') return definition;
  return {
    ...definition,
    nodes: definition.nodes.map((node) =>
      node.name && BUILTIN_STEP_NAMES_PL[node.name]
        ? { ...node, name: BUILTIN_STEP_NAMES_PL[node.name] }
        : node,
    ),
  };
}
