// Verivali's recording hook for the mocha tests of enketo/openrosa-xpath-evaluator (our own code, MPL-2.0 like the
// rest of the project). Loaded with `mocha --require`, it
//   - gives the tests a DOM (jsdom) as the browser would under karma,
//   - wraps the evaluator that the tests build (src/openrosa-xpath.js) so that every evaluate() call is logged with
//     the expression, the requested result type, the context node (its document serialized as XML and its
//     canonical path), what the evaluator returned or threw, the spec file:line of the call and the mocha test,
//   - wraps the assertion helpers of test/integration/helpers.js so that a call made inside one of them is tagged
//     with the helper's name and the value the test asserts,
//   - logs, per mocha test, whether it passed (cases from failing tests are dropped later).
// Output: JSON lines appended to the file named by $OXE_RECORD_OUT.
/* eslint-disable */
const fs = require('fs');
const path = require('path');
const Module = require('module');
const { JSDOM } = require('jsdom');

const out = process.env.OXE_RECORD_OUT;
if (!out) throw new Error('set OXE_RECORD_OUT');
const repoRoot = process.env.OXE_REPO || process.cwd();
const fd = fs.openSync(out, 'a');
const log = (o) => fs.writeSync(fd, JSON.stringify(o) + '\n');

const dom = new JSDOM('<!DOCTYPE html><html><head></head><body></body></html>');
const w = dom.window;
for (const name of ['window', 'document', 'DOMParser', 'XMLSerializer', 'XPathResult', 'Node', 'Element',
  'Document', 'Attr', 'XPathEvaluator', 'navigator', 'HTMLElement']) {
  if (w[name] !== undefined) global[name] = name === 'window' ? w : w[name];
}
const serializer = new w.XMLSerializer();

// Browsers treat a missing result type as ANY_TYPE (0); jsdom insists on one. The evaluator relies on the default.
{
  const proto = Object.getPrototypeOf(w.document.createExpression('1', null));
  const evaluate = proto.evaluate;
  proto.evaluate = function (node, type, result) {
    return evaluate.call(this, node, type === undefined ? 0 : type, result === undefined ? null : result);
  };
  const docEvaluate = w.Document.prototype.evaluate;
  w.Document.prototype.evaluate = function (expr, node, nsr, type, result) {
    return docEvaluate.call(this, expr, node, nsr === undefined ? null : nsr, type === undefined ? 0 : type,
      result === undefined ? null : result);
  };
}

let currentTest = null;
let assertion = null;
let seq = 0;

function callSite() {
  const stack = new Error().stack.split('\n');
  for (const frame of stack) {
    const m = frame.match(/\(?([^()\s]+\.spec\.js):(\d+):\d+\)?$/);
    if (m) return path.relative(repoRoot, m[1]) + ':' + m[2];
  }
  return null;
}

// Canonical path of an element: /a/b[2]/c, a position only where same-named siblings exist.
function canonicalPath(node) {
  if (node.nodeType === 9) return { kind: 'document', path: null };
  if (node.nodeType === 2) {
    const owner = node.ownerElement;
    const p = owner ? canonicalPath(owner) : { kind: 'detached' };
    return { kind: 'attribute', path: p.path ? p.path + '/@' + node.nodeName : null };
  }
  if (node.nodeType !== 1) return { kind: 'node-type-' + node.nodeType, path: null };
  const steps = [];
  let n = node;
  while (n && n.nodeType === 1) {
    const parent = n.parentNode;
    let step = n.nodeName;
    if (parent) {
      const same = Array.from(parent.childNodes).filter((c) => c.nodeType === 1 && c.nodeName === n.nodeName);
      if (same.length > 1) step += '[' + (same.indexOf(n) + 1) + ']';
    }
    steps.unshift(step);
    if (!parent || parent.nodeType === 9) break;
    if (parent.nodeType !== 1) return { kind: 'detached-element', path: null };
    n = parent;
  }
  if (!n.parentNode) return { kind: 'detached-element', path: null };
  return { kind: 'element', path: '/' + steps.join('/') };
}

function describeNode(node) {
  if (!node) return null;
  const p = canonicalPath(node);
  return p.path || p.kind;
}

function snapshot(result) {
  const t = result.resultType;
  const o = { resultType: t };
  try {
    if (t === 1) o.number = Number.isNaN(result.numberValue) ? 'NaN'
      : (Number.isFinite(result.numberValue) ? result.numberValue : (result.numberValue > 0 ? 'Infinity' : '-Infinity'));
    else if (t === 2) o.string = result.stringValue;
    else if (t === 3) o.boolean = result.booleanValue;
    else if (t === 6 || t === 7) {
      o.nodes = [];
      for (let i = 0; i < result.snapshotLength; i++) o.nodes.push(describeNode(result.snapshotItem(i)));
    } else if (t === 8 || t === 9) o.nodes = [describeNode(result.singleNodeValue)];
    else if (t === 4 || t === 5) o.nodes = null; // iterators are consumed by the test; not recorded
  } catch (e) {
    o.snapshotError = String(e);
  }
  return o;
}

function wrapEvaluator(evaluator) {
  if (!evaluator || typeof evaluator.evaluate !== 'function' || evaluator.__recorded) return evaluator;
  const original = evaluator.evaluate;
  evaluator.evaluate = function (expr, contextNode, nsResolver, type, ...rest) {
    const rec = {
      kind: 'call', seq: seq++, test: currentTest, site: callSite(), expr,
      requestedType: type === undefined ? null : type,
      nsResolver: !!nsResolver,
      assertion,
    };
    try {
      const node = contextNode;
      rec.contextKind = node ? canonicalPath(node).kind : 'none';
      rec.contextPath = node ? canonicalPath(node).path : null;
      const doc = node ? (node.nodeType === 9 ? node : node.ownerDocument) : null;
      if (doc) {
        rec.docContentType = doc.contentType;
        rec.contextXml = serializer.serializeToString(doc);
      }
    } catch (e) {
      rec.contextError = String(e);
    }
    let result;
    try {
      result = original.call(this, expr, contextNode, nsResolver, type, ...rest);
    } catch (e) {
      rec.threw = (e && e.constructor && e.constructor.name) + ': ' + (e && e.message);
      log(rec);
      throw e;
    }
    rec.result = snapshot(result);
    log(rec);
    return result;
  };
  evaluator.__recorded = true;
  return evaluator;
}

const HELPERS = ['assertThrow', 'assertNumberValue', 'assertNumberRounded', 'assertNumber', 'assertString',
  'assertStringValue', 'assertStringLength', 'assertMatch', 'assertBoolean', 'assertFalse', 'assertTrue',
  'assertNodes', 'assertUnorderedNodes'];

function plain(v) {
  if (v === undefined) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : (Number.isFinite(v) ? v : (v > 0 ? 'Infinity' : '-Infinity'));
  if (v instanceof RegExp) return { regexp: String(v) };
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return { array: v.length };
  return { object: String(v) };
}

const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  const exported = originalLoad.apply(this, arguments);
  const resolved = (() => { try { return Module._resolveFilename(request, parent, isMain); } catch (e) { return request; } })();
  if (/src[\\/]openrosa-xpath\.js$/.test(resolved) && !exported.__recordedFactory) {
    const factory = function (...args) { return wrapEvaluator(exported.apply(this, args)); };
    Object.assign(factory, exported);
    factory.__recordedFactory = true;
    require.cache[resolved].exports = factory;
    return factory;
  }
  if (/test[\\/]integration[\\/]helpers\.js$/.test(resolved) && !exported.__recordedHelpers) {
    for (const name of HELPERS) {
      const fn = exported[name];
      if (typeof fn !== 'function') continue;
      exported[name] = function (...args) {
        const outer = assertion;
        const last = args[args.length - 1];
        assertion = { helper: name, args: args.map(plain), expected: name === 'assertTrue' ? true
          : name === 'assertFalse' ? false : plain(last) };
        try { return fn.apply(this, args); } finally { assertion = outer; }
      };
    }
    exported.__recordedHelpers = true;
  }
  return exported;
};

exports.mochaHooks = {
  beforeEach() {
    currentTest = this.currentTest ? this.currentTest.fullTitle() : null;
  },
  afterEach() {
    const t = this.currentTest;
    log({ kind: 'test', test: t.fullTitle(), state: t.state || 'unknown', file: t.file ? path.relative(repoRoot, t.file) : null });
    currentTest = null;
  },
};
