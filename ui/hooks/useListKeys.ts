/**
 * The page's keys around its lists, so every view answers the keyboard the same way (the rows'
 * own keys are VirtualTable's): `/` jumps to the view's filter, Down from the filter goes into
 * the list, Esc closes the open panel and puts focus back on the list's active row. A key meant
 * for a field being typed in, or for a dialog, is left alone.
 */
import { useEffect } from 'react';

/** The view on screen (Diagnostics hides the data view behind it rather than unmounting it). */
function currentPane(): Element | null {
  return document.querySelector('.pane:not(.hidden)');
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button'].includes(target.type);
}

/** Focuses the current view's list on its active row (its one Tab stop); false when it has none. */
export function focusList(): boolean {
  const row = currentPane()?.querySelector<HTMLElement>('[role=grid] [role=row][tabindex="0"]');
  if (!row) return false;
  row.focus();
  return true;
}

/**
 * `closePanel` closes whatever the view has open below its list and says whether there was
 * anything (the route's open object, or a panel the view keeps in its own state).
 */
export function useListKeys(closePanel: () => boolean): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      if (target?.closest('dialog, [role=dialog], [role=alertdialog]')) return; // a dialog's Esc is its own
      if (event.key === '/' && !isTyping(target)) {
        const filter = currentPane()?.querySelector<HTMLInputElement>('[data-testid=filter]');
        if (!filter) return;
        event.preventDefault();
        filter.focus();
        filter.select();
      } else if (event.key === 'ArrowDown' && target?.matches('[data-testid=filter]')) {
        if (focusList()) event.preventDefault();
      } else if (event.key === 'Escape' && !isTyping(target)) {
        if (!closePanel()) return;
        event.preventDefault();
        // The panel goes on the next render; the list's active row stays where it was.
        setTimeout(() => focusList(), 0);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [closePanel]);
}
