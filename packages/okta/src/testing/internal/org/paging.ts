/**
 * Okta's cursor paging over a result list, shared by every paged family. Public through `SandboxOrg`.
 *
 * @internal
 */
import { Option } from "effect"

/**
 * A page of results and the cursor of the next page, if there is one.
 *
 * @since 0.1.0
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next: Option.Option<string>
}

/**
 * Cuts a page out of a result list the way Okta's cursor paging does: `after` is the key of the last item of the
 * previous page (an unknown cursor gives an empty page); `next` is present when more items follow.
 *
 * @since 0.1.0
 */
export const paginate = <A>(
  items: ReadonlyArray<A>,
  options: { readonly after?: string | undefined; readonly limit: number; readonly key: (item: A) => string }
): Page<A> => {
  let start = 0
  if (options.after !== undefined) {
    const index = items.findIndex((item) => options.key(item) === options.after)
    if (index < 0) return { items: [], next: Option.none() }
    start = index + 1
  }
  const page = items.slice(start, start + options.limit)
  const hasMore = start + options.limit < items.length && page.length > 0
  return { items: page, next: hasMore ? Option.some(options.key(page[page.length - 1])) : Option.none() }
}
