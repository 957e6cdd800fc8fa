/**
 * The logs panel's search: the text, whether it is a regular expression and whether case counts,
 * the match count, and the way between matches (Enter and Shift+Enter in the box, or the arrows).
 * What to search is the panel's; this only reports what the reader asks for.
 */
import type { LineMatches, LogSearch, SearchOptions } from '../lib/logSearch.js';

export interface LogSearchBoxProps {
  readonly text: string;
  readonly options: SearchOptions;
  readonly search: LogSearch;
  readonly matches: LineMatches;
  readonly current: number | null;
  onText(text: string): void;
  onOptions(options: SearchOptions): void;
  onStep(step: 1 | -1): void;
}

export function LogSearchBox({ text, options, search, matches, current, onText, onOptions, onStep }: LogSearchBoxProps) {
  const summary =
    search.kind === 'invalid'
      ? search.message
      : search.kind === 'none'
        ? ''
        : matches.total === 0
          ? 'no matches'
          : `${current === null ? '' : `${current + 1} of `}${matches.total} ${matches.total === 1 ? 'match' : 'matches'} in ${matches.lines} ${matches.lines === 1 ? 'line' : 'lines'}`;
  return (
    <div className="log-search" role="search" aria-label="Search the logs">
      <input
        type="search"
        value={text}
        placeholder={options.regex ? 'Search (regular expression)' : 'Search'}
        aria-label="Search the logs"
        aria-invalid={search.kind === 'invalid'}
        data-testid="log-search"
        onChange={(e) => onText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            onStep(e.shiftKey ? -1 : 1);
          } else if (e.key === 'Escape' && text !== '') {
            // Esc empties the box first; with nothing in it, it is the page's (closing the panel).
            e.preventDefault();
            e.stopPropagation();
            onText('');
          }
        }}
      />
      <label className="toggle" title="Take the text as a JavaScript regular expression">
        <input type="checkbox" checked={options.regex} aria-label="Regular expression" data-testid="log-search-regex" onChange={(e) => onOptions({ ...options, regex: e.target.checked })} />
        .*
      </label>
      <label className="toggle" title="Match upper and lower case exactly">
        <input type="checkbox" checked={options.matchCase} aria-label="Match case" data-testid="log-search-case" onChange={(e) => onOptions({ ...options, matchCase: e.target.checked })} />
        Aa
      </label>
      <button type="button" className="small" aria-label="Previous match (Shift+Enter)" disabled={matches.total === 0} onClick={() => onStep(-1)}>
        ↑
      </button>
      <button type="button" className="small" aria-label="Next match (Enter)" disabled={matches.total === 0} onClick={() => onStep(1)}>
        ↓
      </button>
      <span className={search.kind === 'invalid' ? 'log-search-summary bad' : 'log-search-summary muted'} data-testid="log-search-summary" role="status" aria-live="polite">
        {summary}
      </span>
    </div>
  );
}
