// A second SHACL engine for rcpkg: rdf-validate-shacl (SHACL Core; it does not run sh:sparql constraints).
//
//   node validate.mjs SHAPES.ttl DATA.(ttl|nt) [DATA ...]
//   node validate.mjs --batch JOBS.json
//
// Validates the union of the DATA files against SHAPES and prints one JSON object:
// {"conforms": bool, "results": [{"focus", "path", "component", "message", "severity", "value"}],
//  "unsupported": [{"shape", "message"}]}
// with IRIs as <...>, literals and blank nodes in N-Triples form, an inverse path as ^<p>.
// "unsupported" lists the SHACL-SPARQL constraints (sh:sparql) of SHAPES, which this engine cannot run: they are
// taken out of the shapes before validation, and the comparison leaves pyshacl's SPARQL results aside.
// With --batch, JOBS.json is a list of {"name", "shapes", "data": [files]} and the output one JSON line per job,
// each with its "name" (the shapes of a file are read once).
// rcpkg's tests (tests/kb/test_second_validator.py) hand it the graphs pyshacl validates and compare.
import { readFileSync } from 'node:fs'
import N3 from 'n3'
import SHACLValidator from 'rdf-validate-shacl'

const SH = 'http://www.w3.org/ns/shacl#'

function load (files) {
  const store = new N3.Store()
  for (const file of files) {
    const format = file.endsWith('.nt') ? 'N-Triples' : 'Turtle'
    store.addQuads(new N3.Parser({ format, baseIRI: 'file://' + file }).parse(readFileSync(file, 'utf8')))
  }
  return store
}

function term (t, shapes) {
  if (!t) return null
  if (t.termType === 'NamedNode') return `<${t.value}>`
  if (t.termType === 'Literal') {
    const text = JSON.stringify(t.value)
    if (t.language) return `${text}@${t.language}`
    return t.datatype.value === 'http://www.w3.org/2001/XMLSchema#string' ? text : `${text}^^<${t.datatype.value}>`
  }
  if (t.termType === 'BlankNode' && shapes) {
    const inverse = shapes.getObjects(t, N3.DataFactory.namedNode(SH + 'inversePath'), null)
    if (inverse.length === 1) return `^${term(inverse[0])}`
  }
  return `_:${t.value}`
}

const shapesCache = new Map()

function shapesOf (file) {
  if (!shapesCache.has(file)) {
    const shapes = load([file])
    const unsupported = []
    for (const q of shapes.getQuads(null, N3.DataFactory.namedNode(SH + 'sparql'), null, null)) {
      const message = shapes.getObjects(q.object, N3.DataFactory.namedNode(SH + 'message'), null).map(m => m.value)
      unsupported.push({ shape: term(q.subject), message: message.sort().join(' | ') })
      shapes.removeQuad(q)
    }
    shapesCache.set(file, { shapes, unsupported })
  }
  return shapesCache.get(file)
}

async function run (shapesFile, dataFiles) {
  const { shapes, unsupported } = shapesOf(shapesFile)
  const report = await new SHACLValidator(shapes).validate(load(dataFiles))
  const results = report.results.map(r => ({
    focus: term(r.focusNode),
    path: term(r.path, shapes),
    component: term(r.sourceConstraintComponent),
    message: r.message.map(m => m.value).sort().join(' | '),
    severity: term(r.severity),
    value: term(r.value)
  }))
  return { conforms: report.conforms, results, unsupported }
}

const args = process.argv.slice(2)
if (args[0] === '--batch' && args.length === 2) {
  for (const job of JSON.parse(readFileSync(args[1], 'utf8'))) {
    process.stdout.write(JSON.stringify({ name: job.name, ...(await run(job.shapes, job.data)) }) + '\n')
  }
} else if (args.length >= 2 && args[0] !== '--batch') {
  process.stdout.write(JSON.stringify(await run(args[0], args.slice(1))) + '\n')
} else {
  process.stderr.write('usage: node validate.mjs SHAPES.ttl DATA [DATA ...] | node validate.mjs --batch JOBS.json\n')
  process.exit(2)
}
