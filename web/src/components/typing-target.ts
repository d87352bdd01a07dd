/** Keys typed into a field, or while a dialog is open, belong there, not to the page. */
export function belongsToField(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return true;
  const target = event.target as HTMLElement | null;
  if (target?.closest('input, textarea, select, [contenteditable="true"], [role="textbox"]')) return true;
  return document.querySelector('dialog[open]') !== null;
}
