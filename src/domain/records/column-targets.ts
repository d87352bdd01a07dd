/**
 * Which record field a CSV column means, by its header: shared by the server's import and the UI's mapping
 * dialog so both guess the same. Pure and dependency-free (the browser imports it).
 */
export const CORE_TARGETS = [
  'name',
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'email',
  'phoneBusiness',
  'phoneMobile',
  'timeZone',
  'status',
  'stage',
  'owner',
  'doNotEmail',
  'doNotCall',
] as const;
export type CoreTarget = (typeof CORE_TARGETS)[number];

/** Header spellings recognised for each core field (compared lower-case without spaces, "_" or "-"). */
export const CORE_ALIASES: Record<CoreTarget, string[]> = {
  name: ['name', 'fullname', 'recordname', 'topic'],
  firstName: ['firstname', 'first', 'givenname', 'forename'],
  lastName: ['lastname', 'last', 'surname', 'familyname'],
  company: ['company', 'companyname', 'organisation', 'organization', 'account', 'accountname'],
  jobTitle: ['jobtitle', 'title', 'position', 'role'],
  email: ['email', 'emailaddress', 'mail', 'email1'],
  phoneBusiness: ['phone', 'phonebusiness', 'businessphone', 'workphone', 'telephone', 'officephone'],
  phoneMobile: ['mobile', 'phonemobile', 'mobilephone', 'cell', 'cellphone'],
  timeZone: ['timezone', 'tz', 'zone'],
  status: ['status', 'statuscode', 'state'],
  stage: ['stage', 'businessprocessstage', 'processstage', 'salesstage'],
  owner: ['owner', 'owneremail', 'ownerid', 'assignedto'],
  doNotEmail: ['donotemail', 'donotbulkemail', 'emailoptout', 'optoutemail'],
  doNotCall: ['donotcall', 'donotphone', 'calloptout'],
};

export const normaliseHeader = (text: string): string => text.toLowerCase().replace(/[\s_\-.]/g, '');

/** The core field a header most likely means, by its usual spellings; undefined when none matches. */
export function guessCoreTarget(header: string): CoreTarget | undefined {
  const key = normaliseHeader(header);
  return CORE_TARGETS.find((target) => normaliseHeader(target) === key || CORE_ALIASES[target].includes(key));
}
