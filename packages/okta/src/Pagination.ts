/**
 * Okta's cursor pagination: the next page is the `Link: <…>; rel="next"` header of a response. Links may arrive as
 * separate header lines or joined with `", "` (as `fetch` joins them); both parse the same.
 *
 * A `next` link is followed only when it points at the org's own origin, so a response can never send our token
 * elsewhere; a repeated cursor (a known Okta bug) and the page bound stop the walk, and the listing then says it is
 * incomplete instead of looping or silently dropping items.
 *
 * @since 0.1.0
 */
import LinkHeader from "http-link-header"

/** Where to go after a page. */
export type Next =
  /** No `rel="next"`: this was the last page. */
  | { readonly _tag: "Done" }
  /** Follow this URL (same origin, cursor not seen before). */
  | { readonly _tag: "Follow"; readonly url: URL }
  /** Stop early: the listing is incomplete, for `reason`. */
  | { readonly _tag: "Stop"; readonly reason: string }

/**
 * The `rel="next"` URLs of a `Link` header, given as one (possibly comma-joined) value or as separate lines.
 * Relative links are resolved against `base`. Unparseable links are skipped.
 */
export const nextLinks = (
  header: string | ReadonlyArray<string> | undefined,
  base: string
): ReadonlyArray<string> => {
  if (header === undefined) return []
  const values = typeof header === "string" ? [header] : header
  const out: Array<string> = []
  for (const value of values) {
    if (value.trim() === "") continue
    let parsed: LinkHeader
    try {
      parsed = LinkHeader.parse(value)
    } catch {
      continue
    }
    for (const ref of parsed.rel("next")) {
      try {
        out.push(new URL(ref.uri, base).href)
      } catch {
        // not a URL: ignored, like a missing link
      }
    }
  }
  return out
}

/** The cursor of a page URL: its `after` parameter, or the whole URL when it has none. */
const cursorOf = (url: URL): string => url.searchParams.get("after") ?? url.href

/** The state of one walk over pages. */
export interface Walk {
  readonly origin: string
  readonly maxPages: number
  /** Pages read so far. */
  pages: number
  readonly seen: Set<string>
}

/** Starts a walk over at most `maxPages` pages of `origin`. */
export const start = (origin: string, maxPages: number, first: URL): Walk => ({
  origin,
  maxPages,
  pages: 0,
  seen: new Set([cursorOf(first)])
})

/**
 * Decides what follows a page, given its `Link` header. Counts the page. Refuses another origin, a repeated cursor
 * and a page beyond the bound.
 */
export const next = (walk: Walk, header: string | ReadonlyArray<string> | undefined): Next => {
  walk.pages++
  const links = nextLinks(header, walk.origin)
  if (links.length === 0) return { _tag: "Done" }
  const url = new URL(links[0])
  if (url.origin !== walk.origin) {
    return { _tag: "Stop", reason: `the next page link points to another origin (${url.origin}); not followed` }
  }
  const cursor = cursorOf(url)
  if (walk.seen.has(cursor)) {
    return { _tag: "Stop", reason: `Okta repeated the page cursor ${cursor} after ${walk.pages} pages` }
  }
  if (walk.pages >= walk.maxPages) {
    return { _tag: "Stop", reason: `stopped at the bound of ${walk.maxPages} pages; more pages remain` }
  }
  walk.seen.add(cursor)
  return { _tag: "Follow", url }
}
