// Verivali's stand-in for packages/xpath/test/helpers.ts of getodk/web-forms (our own code, MPL-2.0 like the rest
// of the project). The upstream tests import their assertion helpers from '../helpers.ts'; the vitest config of
// tools/corpus/extract-webforms.sh aliases that module to this file. Nothing is evaluated here: every assertion
// call is logged (expression, asserted value, context document and node, test name, spec file:line) as one JSON
// line appended to $WF_RECORD_OUT, and then the assertion returns. Direct evaluate() calls throw, so tests that
// evaluate by hand record nothing. Tests declared with it.fails are tagged so that their assertions are dropped.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { getCurrentTest } from 'vitest/suite';

const OUT = process.env.WF_RECORD_OUT;
const REPO = process.env.WF_REPO ?? process.cwd();
if (!OUT) throw new Error('set WF_RECORD_OUT');

type Nullish<T> = T | null | undefined;

interface EvaluationAssertionOptions {
	readonly contextNode?: Nullish<Node>;
	readonly namespaceResolver?: Nullish<XPathNSResolver>;
	readonly message?: string;
}

interface TestContextOptions {
	readonly getRootNode?: (testDocument: XMLDocument) => Document | Element | XMLDocument;
	readonly namespaceResolver?: Nullish<XPathNSResolver>;
	readonly xforms?: boolean;
}

const namespaces: Record<string, string> = {
	xhtml: 'http://www.w3.org/1999/xhtml',
	mathml: 'http://www.w3.org/1998/Math/MathML',
	jr: 'http://openrosa.org/javarosa',
};

export const namespaceResolver: XPathNSResolver = {
	lookupNamespaceURI: (prefix?: string | null) => namespaces[prefix ?? ''] ?? null,
};

const callSite = (): string | null => {
	for (const frame of (new Error().stack ?? '').split('\n')) {
		const m = frame.match(/\(?([^()\s]+\.test\.ts):(\d+):\d+\)?$/);
		if (m) return relative(REPO, m[1].replace(/^file:\/\//, '')) + ':' + m[2];
	}
	return null;
};

// Path of an element below `top` (an element standing for the document root), a position only where
// same-named siblings exist; null for `top` itself; undefined when the node is not an element below `top`.
const pathBelow = (node: Node, top: Node): string | null | undefined => {
	if (node === top) return null;
	if (node.nodeType !== 1) return undefined;
	const steps: string[] = [];
	let n: Node | null = node;
	while (n && n !== top) {
		if (n.nodeType !== 1) return undefined;
		const parent: Node | null = n.parentNode;
		let step = (n as Element).nodeName;
		if (parent) {
			const same = Array.from(parent.childNodes).filter(
				(c) => c.nodeType === 1 && (c as Element).nodeName === (n as Element).nodeName
			);
			if (same.length > 1) step += '[' + (same.indexOf(n as ChildNode) + 1) + ']';
		}
		steps.unshift(step);
		n = parent;
	}
	return n === top ? '/' + steps.join('/') : undefined;
};

const plain = (v: unknown): unknown => {
	if (typeof v === 'number') {
		if (Number.isNaN(v)) return 'NaN';
		if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
	}
	if (v instanceof RegExp) return { regexp: v.source, flags: v.flags };
	return v;
};

export class TestContext {
	readonly document: XMLDocument;
	readonly defaultContextNode: Node;
	readonly namespaceResolver: XPathNSResolver;
	readonly rootNode: Node;
	readonly xforms: boolean;

	constructor(
		readonly sourceXML?: string,
		options: TestContextOptions = {}
	) {
		const xml = sourceXML ?? '<root/>';
		this.document = new DOMParser().parseFromString(xml, 'text/xml');
		this.xforms = !!options.xforms;
		this.rootNode = (options.xforms && options.getRootNode?.(this.document)) || this.document;
		this.defaultContextNode = this.rootNode;
		this.namespaceResolver = options.namespaceResolver ?? namespaceResolver;
	}

	private record(helper: string, expression: string, resultType: string, expected: unknown,
		options: EvaluationAssertionOptions = {}, extra: Record<string, unknown> = {}) {
		const test = getCurrentTest();
		const context = options.contextNode ?? this.defaultContextNode;
		const rec: Record<string, unknown> = {
			helper, expression, resultType, expected: plain(expected), ...extra,
			test: test ? test.name : null,
			suite: test?.suite?.name ?? null,
			fails: !!(test && (test as unknown as { fails?: boolean }).fails),
			site: callSite(),
			customResolver: options.namespaceResolver != null,
			xforms: this.xforms,
		};
		const serializer = new XMLSerializer();
		const root = this.rootNode;
		if (root.nodeType === 9) {
			rec.contextXml = serializer.serializeToString(root);
			rec.contextPath = context.nodeType === 9 ? null : pathBelow(context, root as Node);
			rec.contextIsDocument = context === root;
		} else {
			// An element (the primary <instance>) stands for the document root: its one child element becomes the
			// context document, the other <instance id="..."> elements become secondary instances.
			const children = Array.from((root as Element).children);
			if (children.length === 1) {
				rec.contextXml = serializer.serializeToString(children[0]);
				rec.contextPath = pathBelow(context, root);
				const secondary: Record<string, string> = {};
				for (const instance of Array.from(this.document.getElementsByTagNameNS('*', 'instance'))) {
					const id = instance.getAttribute('id');
					if (instance !== root && id && instance.children.length === 1) {
						secondary[id] = serializer.serializeToString(instance.children[0]);
					}
				}
				rec.secondaryInstances = secondary;
			}
			rec.rootIsElement = true;
		}
		if (rec.contextPath === undefined) rec.contextUnaddressable = true;
		appendFileSync(OUT!, JSON.stringify(rec) + '\n');
	}

	evaluate(): XPathResult {
		throw new Error('not evaluated: recording stub');
	}

	evaluateNodeSet(): readonly Node[] {
		throw new Error('not evaluated: recording stub');
	}

	evaluateUnorderedNodeSet(): readonly Node[] {
		throw new Error('not evaluated: recording stub');
	}

	assertBooleanValue(expression: string, expected: boolean, options: EvaluationAssertionOptions = {}) {
		this.record('assertBooleanValue', expression, 'boolean', expected, options);
	}

	assertNodeSet(expression: string, expected: readonly Node[], options: EvaluationAssertionOptions = {}) {
		this.record('assertNodeSet', expression, 'nodes', expected.length, options);
	}

	assertUnorderedNodeSet(expression: string, expected: readonly Node[], options: EvaluationAssertionOptions = {}) {
		this.record('assertUnorderedNodeSet', expression, 'nodes', expected.length, options);
	}

	assertNumberValue(expression: string, expected: number, options: EvaluationAssertionOptions = {}) {
		this.record('assertNumberValue', expression, 'number', expected, options);
	}

	assertNumberRounded(expression: string, expected: number, factor: number, options: EvaluationAssertionOptions = {}) {
		this.record('assertNumberRounded', expression, 'number', expected, options, { factor });
	}

	assertStringValue(expression: string, expected: string, options: EvaluationAssertionOptions = {}) {
		this.record('assertStringValue', expression, 'string', expected, options);
	}

	assertStringLength(expression: string, expected: number, options: EvaluationAssertionOptions = {}) {
		this.record('assertStringLength', expression, 'string', expected, options);
	}

	assertStringMatches(expression: string, pattern: RegExp | string, options: EvaluationAssertionOptions = {}) {
		this.record('assertStringMatches', expression, 'string', pattern, options);
	}
}

export const createTestContext = (xml?: string, options: TestContextOptions = {}): TestContext =>
	new TestContext(xml, options);

export class XFormsTestContext extends TestContext {
	constructor(sourceXML?: string, options: TestContextOptions = {}) {
		super(sourceXML, { ...options, xforms: true });
	}

	setLanguage(): string | null {
		throw new Error('not evaluated: recording stub');
	}
}

export const createXFormsTestContext = (xml?: string, options: TestContextOptions = {}): XFormsTestContext =>
	new XFormsTestContext(xml, options);

export const createXFormsTextContentTestContext = (textContent: string) =>
	createXFormsTestContext(/* xml */ `<simple>
		<xpath>
			<to>
				<node>${textContent}</node>
			</to>
		</xpath>
		<empty />
	</simple>`);

export const getNonNamespaceAttributes = (element: Element): readonly Attr[] =>
	Array.from(element.attributes).filter(({ name }) => name !== 'xmlns' && !name.startsWith('xmlns:'));

export const getDefaultDateTimeLocale = (): string =>
	new Date().toLocaleString(globalThis.LOCALE_ID as string | undefined, { timeZone: globalThis.TZ as string | undefined });
