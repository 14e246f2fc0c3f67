// Writes the `exports` map of @enrich/core and @enrich/okta from their public modules, so the map never drifts from
// src/: every src/*.ts and src/testing/*.ts module (not index.ts, not internal/) becomes a subpath, the barrels become
// `.` and `./testing`, and src/testing/*.json files are exported as data.
//
// Each entry has three conditions, in this order:
//   "@enrich/source" -> ./src/X.ts    inside this repository only: vitest, tsc (customConditions), esbuild and
//                                     `node --conditions=@enrich/source --import tsx` load the sources, no build step
//   "types"          -> ./dist/X.d.ts for TypeScript in an app that installed the package
//   "import"         -> ./dist/X.js   for Node and bundlers
//
// Usage: node scripts/exports.mjs          rewrite the package.json files
//        node scripts/exports.mjs --check  exit 1 and name the differences if a package.json is out of date
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const condition = "@enrich/source"
export const libraries = ["core", "okta"]

const root = fileURLToPath(new URL("..", import.meta.url))

const modulesIn = (dir) =>
  existsSync(dir)
    ? readdirSync(dir).filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && file !== "index.ts")
      .map((file) => file.slice(0, -3)).sort()
    : []

const entry = (srcPath) => ({
  [condition]: `./src/${srcPath}.ts`,
  types: `./dist/${srcPath}.d.ts`,
  import: `./dist/${srcPath}.js`
})

/** The `exports` map a package in `packages/<name>` should have. */
export const exportsOf = (name) => {
  const src = `${root}packages/${name}/src`
  const map = { ".": entry("index") }
  for (const module of modulesIn(src)) map[`./${module}`] = entry(module)
  if (existsSync(`${src}/testing/index.ts`)) {
    map["./testing"] = entry("testing/index")
    for (const module of modulesIn(`${src}/testing`)) map[`./testing/${module}`] = entry(`testing/${module}`)
    for (const file of readdirSync(`${src}/testing`).filter((file) => file.endsWith(".json")).sort()) {
      map[`./testing/${file}`] = { [condition]: `./src/testing/${file}`, default: `./dist/testing/${file}` }
    }
  }
  map["./package.json"] = "./package.json"
  return map
}

const packageJsonPath = (name) => `${root}packages/${name}/package.json`

/** The packages whose `exports` differ from {@link exportsOf}, with the subpaths that differ. */
export const drift = () =>
  libraries.flatMap((name) => {
    const actual = JSON.parse(readFileSync(packageJsonPath(name), "utf8")).exports ?? {}
    const expected = exportsOf(name)
    const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])]
    const differing = keys.filter((key) => JSON.stringify(actual[key]) !== JSON.stringify(expected[key]))
    const reordered = differing.length === 0 && JSON.stringify(actual) !== JSON.stringify(expected)
    return differing.length > 0 || reordered ? [{ name, subpaths: reordered ? ["(order)"] : differing }] : []
  })

const write = () => {
  for (const name of libraries) {
    const path = packageJsonPath(name)
    const pkg = JSON.parse(readFileSync(path, "utf8"))
    pkg.exports = exportsOf(name)
    writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    const problems = drift()
    for (const { name, subpaths } of problems) {
      process.stderr.write(`packages/${name}/package.json: exports out of date for ${subpaths.join(", ")}\n`)
    }
    if (problems.length > 0) {
      process.stderr.write("run `npm run exports` to regenerate them\n")
      process.exit(1)
    }
  } else {
    write()
  }
}
