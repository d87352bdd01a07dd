/** The first line of a CSV file as cells (quotes and doubled quotes handled), for the column mapping. */
export function csvHeader(text: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',' || char === ';') {
      cells.push(cell.trim());
      cell = '';
    } else if (char === '\n' || char === '\r') break;
    else cell += char;
  }
  cells.push(cell.trim());
  return cells.filter((value, index) => value !== '' || index < cells.length - 1);
}

export const IMPORT_TARGETS = [
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

const ALIASES: Record<string, string[]> = {
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

/** The field a header most likely means (same spellings the server recognises), or "" to leave it to the server. */
export function guessTarget(header: string, customFields: string[]): string {
  const key = header.toLowerCase().replace(/[\s_\-.]/g, '');
  for (const [target, aliases] of Object.entries(ALIASES)) if (aliases.includes(key)) return target;
  const custom = customFields.find((name) => name.toLowerCase() === key);
  return custom ?? 'ignore';
}
