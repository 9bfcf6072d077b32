#!/usr/bin/env python3
"""Java stub sources for the Android API, generated from the type stubs of the PyPI package
`chaquopy-stubs-android` (API 36, generated from android.jar), so that the app module's Kotlin
can be compile-checked on a machine without the Android SDK.

Only the classes the app refers to are generated, with their supertypes and nested classes;
any other Android type in a signature is erased to java.lang.Object. The stubs lose some
information, and this generator guesses (docs/adr/0013-android-shell.md lists the blind spots):

- interface or class: a type with no constructor whose bases are all interfaces is an interface;
  a type that some class lists after its superclass is an interface too;
- abstract, final, protected: not known; everything is public, nothing abstract, except that an
  interface with exactly one method keeps it abstract (so Kotlin's SAM conversion works) and the
  others become default methods;
- generic methods: a method's own type variable (`_getParcelableExtra_1__T`) becomes `<T>`, and
  `typing.Type[X]` a `Class<X>`; where the stubs lost it (a deprecated overload returning
  Object), the table LOST_GENERICS puts it back;
- primitive widths: parameters carry them (`int | java.jlong`); a return value `int` or `float`
  is narrowed by the matching setter's parameter (`getTime` by `setTime(long)`), or by the table
  RETURN_WIDTHS, else taken as int / float.

When a correct call in the app is flagged, fix this generator, never the app.

Usage: stubgen.py --stubs DIR --sources DIR [--sources DIR ...] --out DIR
"""

import argparse
import ast
import os
import re
import sys

JAVA_KEYWORDS = {
    "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
    "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float",
    "for", "goto", "if", "implements", "import", "instanceof", "int", "interface", "long",
    "native", "new", "package", "private", "protected", "public", "return", "short", "static",
    "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
    "void", "volatile", "record", "var", "yield", "sealed", "permits",
}

PRIMITIVES = {
    "java.jint": "int", "java.jlong": "long", "java.jshort": "short", "java.jbyte": "byte",
    "java.jchar": "char", "java.jfloat": "float", "java.jdouble": "double",
    "java.jboolean": "boolean",
}

ARRAYS = {
    "JavaArrayJInt": "int[]", "JavaArrayJLong": "long[]", "JavaArrayJShort": "short[]",
    "JavaArrayJByte": "byte[]", "JavaArrayJChar": "char[]", "JavaArrayJFloat": "float[]",
    "JavaArrayJDouble": "double[]", "JavaArrayJBoolean": "boolean[]",
}

# Return widths the setter rule cannot find: (class, method) -> Java type.
RETURN_WIDTHS = {
    ("android.os.SystemClock", "elapsedRealtime"): "long",
    ("android.os.SystemClock", "uptimeMillis"): "long",
    ("android.os.SystemClock", "elapsedRealtimeNanos"): "long",
    ("android.location.Location", "getElapsedRealtimeNanos"): "long",
    ("android.location.Location", "getLatitude"): "double",
    ("android.location.Location", "getLongitude"): "double",
    ("android.location.Location", "getAltitude"): "double",
    ("android.location.Location", "getAccuracy"): "float",
    ("android.location.Location", "getTime"): "long",
    ("android.app.job.JobParameters", "getJobId"): "int",
    ("android.os.StatFs", "getAvailableBytes"): "long",
    ("java.io.File", "length"): "long",
    # Overrides of JDK methods whose width the stubs lose.
    ("*", "skip"): "long",
    ("*", "charAt"): "char",
}

# Generic methods whose type variable the stubs lost (they return java.lang.Object):
# (class, method, parameter count) -> the variable, returned. Its bound is not checked.
LOST_GENERICS = {
    ("android.content.Intent", "getParcelableExtra", 1): "T",
    ("android.os.Bundle", "getParcelable", 1): "T",
}

# A method's own type variable in the stubs: `_NAME_N__T` (overload N of method NAME, variable T).
METHOD_TYPE_VAR = re.compile(r"^_([A-Za-z0-9]+)_\d+__([A-Za-z][A-Za-z0-9]*)$")

# java.lang.Object's own methods, which an interface may not redeclare as default methods.
OBJECT_METHODS = {"hashCode", "toString", "equals", "getClass", "notify", "notifyAll", "wait", "clone", "finalize"}

# Every generated class gets a constructor taking this marker, and every generated constructor
# calls its superclass through it: the stubs do not say which constructors a superclass has.
MARKER = "verivali.stub.Marker"

# JDK superclasses without a no-argument constructor, and how a stub calls them.
JDK_SUPER_CALLS = {
    "java.io.FileOutputStream": "super((java.io.FileDescriptor) null);",
    "java.io.FileInputStream": "super((java.io.FileDescriptor) null);",
    "java.io.FilterOutputStream": "super(null);",
    "java.io.FilterInputStream": "super(null);",
}

# Packages of the Java platform that the host JDK provides for the check.
JDK_PREFIXES = ("java.", "javax.crypto", "javax.net", "javax.security")


class Stubs:
    """The .pyi modules of the wheel, parsed on demand."""

    def __init__(self, root):
        self.root = root
        self.modules = {}

    def module(self, package):
        if package in self.modules:
            return self.modules[package]
        top, *rest = package.split(".")
        path = os.path.join(self.root, f"{top}-stubs", *rest, "__init__.pyi")
        tree = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), filename=path)
        self.modules[package] = tree
        return tree

    def find(self, fqn):
        """The ClassDef of fully qualified class `fqn` (nested classes joined by dots)."""
        parts = fqn.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            tree = self.module(".".join(parts[:cut]))
            if tree is None:
                continue
            body, node = tree.body, None
            for name in parts[cut:]:
                node = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == name), None)
                if node is None:
                    break
                body = node.body
            if node is not None:
                return ".".join(parts[:cut]), node
        return None, None


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        left = dotted(node.value)
        return f"{left}.{node.attr}" if left else None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class Generator:
    def __init__(self, stubs):
        self.stubs = stubs
        self.wanted = set()      # FQNs to generate (top-level and nested)
        self.defs = {}           # FQN -> (package, ClassDef)
        self.interfaces = set()

    # ---- what to generate -------------------------------------------------------------
    def want(self, fqn):
        if fqn in self.wanted or fqn.startswith(JDK_PREFIXES):
            return
        package, node = self.stubs.find(fqn)
        if node is None:
            return
        self.wanted.add(fqn)
        self.defs[fqn] = (package, node)
        # The enclosing class must exist for a nested one.
        outer = fqn.rsplit(".", 1)[0]
        if outer != package:
            self.want(outer)
        for base in node.bases:
            resolved = self.resolve_class(dotted(base) or "", package, fqn)
            if resolved:
                self.want(resolved)
        for child in node.body:
            if isinstance(child, ast.ClassDef):
                self.want(f"{fqn}.{child.name}")

    def want_returns(self, fqn):
        """Also generates the Android types that `fqn`'s methods return."""
        package, node = self.stubs.find(fqn)
        if node is None:
            return
        for child in node.body:
            if isinstance(child, ast.FunctionDef) and child.returns is not None:
                for name in annotation_names(child.returns):
                    resolved = self.resolve_class(name, package, fqn)
                    if resolved:
                        self.want(resolved)

    def resolve_class(self, name, package, owner):
        """A dotted name in module `package` (inside class `owner`) to a class FQN."""
        if not name or name in ("typing.Generic", "java.lang.Object"):
            return None
        if name.startswith(("android.", "java.", "javax.", "org.", "dalvik.", "androidx.")):
            return name
        # Nested in the owner or its outer classes, then top level in the module.
        scope = owner
        while scope and scope != package:
            candidate = f"{scope}.{name}"
            if self.stubs.find(candidate)[1] is not None:
                return candidate
            scope = scope.rsplit(".", 1)[0]
        candidate = f"{package}.{name}"
        return candidate if self.stubs.find(candidate)[1] is not None else None

    # ---- interface or class -------------------------------------------------------------
    def classify(self):
        def has_init(node):
            return any(isinstance(c, ast.FunctionDef) and c.name == "__init__" for c in node.body)

        def is_enum(node):
            return any((dotted(b.value) if isinstance(b, ast.Subscript) else dotted(b)) == "java.lang.Enum"
                       for b in node.bases)

        for fqn, (package, node) in self.defs.items():
            jdk_class_base = any(
                b.startswith(JDK_PREFIXES) and b not in ("java.lang.Object", "java.lang.Enum") and not jdk_interface(b)
                for b in self.base_names(fqn))
            if not has_init(node) and not is_enum(node) and not jdk_class_base:
                self.interfaces.add(fqn)
        # A type with constructors is a class; an interface may only extend interfaces.
        changed = True
        while changed:
            changed = False
            for fqn, (package, node) in self.defs.items():
                for base in self.base_names(fqn):
                    if fqn in self.interfaces and base in self.defs and base not in self.interfaces:
                        # An interface extends a "class" without constructors: that base is an interface.
                        if not has_init(self.defs[base][1]):
                            self.interfaces.add(base)
                            changed = True
                        else:
                            self.interfaces.discard(fqn)
                            changed = True

    def base_names(self, fqn):
        package, node = self.defs[fqn]
        out = []
        for base in node.bases:
            name = dotted(base.value) if isinstance(base, ast.Subscript) else dotted(base)
            resolved = name if (name or "").startswith(JDK_PREFIXES) else self.resolve_class(name or "", package, fqn)
            if resolved:
                out.append(resolved)
        return out

    # ---- types --------------------------------------------------------------------------
    def java_type(self, node, package, owner, type_vars, returning=False):
        """(java type, ambiguous primitive kind or None)."""
        if node is None:
            return "void", None
        if isinstance(node, ast.Constant) and node.value is None:
            return "void", None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            members = []
            stack = [node]
            while stack:
                n = stack.pop()
                if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
                    stack += [n.left, n.right]
                else:
                    members.append(n)
            names = [dotted(m) for m in members]
            for name in names:
                if name in PRIMITIVES:
                    return PRIMITIVES[name], None
            # `java.lang.Object | int | bool | float | str`: an Object parameter (View.setTag,
            # Spannable.setSpan) that also takes Python values; not a String.
            if "java.lang.Object" in names:
                return "Object", None
            real = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)
                    and dotted(m) not in ("java.lang.String",)]
            if any(dotted(m) == "java.lang.String" for m in members):
                return "String", None
            if real:
                return self.java_type(real[0], package, owner, type_vars, returning)
            return "Object", None
        if isinstance(node, ast.Subscript):
            base = dotted(node.value) or ""
            args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if base.endswith("chaquopy.JavaArray"):
                inner, _ = self.java_type(args[0], package, owner, type_vars)
                return ("Object" if inner == "void" else inner) + "[]", None
            if base == "typing.ClassVar":
                return self.java_type(args[0], package, owner, type_vars, returning)
            if base == "typing.Type":
                inner, _ = self.java_type(args[0], package, owner, type_vars)
                wildcard = inner in ("Object", "java.lang.Object", "void") and dotted(args[0]) not in type_vars
                return "java.lang.Class<" + ("?" if wildcard else box(inner)) + ">", None
            raw, _ = self.java_type(node.value, package, owner, type_vars)
            if raw == "Object" or raw.endswith("[]"):
                return raw, None
            params = []
            for a in args:
                t, _ = self.java_type(a, package, owner, type_vars)
                # The stubs write a wildcard (`AdapterView<?>`) as Object.
                params.append("?" if dotted(a) in ("typing.Any", "java.lang.Object") else box(t))
            return f"{raw}<{', '.join(params)}>", None
        name = dotted(node)
        if name is None:
            return "Object", None
        if name in PRIMITIVES:
            return PRIMITIVES[name], None
        if name == "int":
            return "int", "int"
        if name == "float":
            return "float", "float"
        if name == "bool":
            return "boolean", None
        if name == "str":
            return "String", None
        if name in ("typing.Any", "object"):
            return "Object", None
        for key, value in ARRAYS.items():
            if name.endswith(key):
                return value, None
        if name in type_vars:
            return type_vars[name], None
        if name.startswith("_") or name.startswith("typing."):
            return "Object", None
        if name.startswith(JDK_PREFIXES):
            return name, None
        resolved = self.resolve_class(name, package, owner)
        if resolved and resolved in self.wanted:
            return resolved, None
        return "Object", None

    # ---- output -------------------------------------------------------------------------
    def write_all(self, out):
        self.classify()
        marker = os.path.join(out, "verivali", "stub", "Marker.java")
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        with open(marker, "w", encoding="utf-8") as f:
            f.write("package verivali.stub;\n\n/** Marks the stubs' own constructors. */\npublic final class Marker {\n    private Marker() {}\n}\n")
        tops = sorted(f for f in self.wanted if self.defs[f][0] == f.rsplit(".", 1)[0])
        for fqn in tops:
            package, node = self.defs[fqn]
            lines = [f"package {package};", "", "@SuppressWarnings(\"all\")"]
            lines += self.class_source(fqn, node, package, nested=False, indent="")
            path = os.path.join(out, *package.split("."), f"{node.name}.java")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
        return len(tops)

    def resolve_default_clashes(self, interfaces, declared, indent):
        """Redeclares methods that two super-interfaces both give defaults for (Java requires it)."""
        counts, first = {}, {}
        for parent in interfaces:
            parent = erase(parent)
            if parent not in self.defs:
                continue
            package, node = self.defs[parent]
            for m in self.methods(parent, node, package, self.type_vars_of(node)):
                if m["ctor"] or m["static"] or redeclares_object(m):
                    continue
                key = (m["name"], tuple(erase(p) for p, _ in m["params"]), False)
                counts[key] = counts.get(key, 0) + 1
                first.setdefault(key, m)
        out = []
        for key, count in counts.items():
            if count > 1 and key not in declared:
                m = first[key]
                params = ", ".join(f"{t} {n}" for t, n in m["params"])
                out.append(f"{indent}default {m['ret']} {safe(m['name'])}({params}) {{ throw new RuntimeException(\"stub\"); }}")
        return out

    def inherits(self, supers, key):
        """Whether a generated superclass of a class declares method `key` (name, params, static)."""
        current = erase(supers) if supers else None
        while current and current in self.defs:
            package, node = self.defs[current]
            for m in self.methods(current, node, package, self.type_vars_of(node)):
                if (m["name"], tuple(erase(p) for p, _ in m["params"]), m["static"]) == key:
                    return True
            parents = [b for b in self.base_names(current) if b not in self.interfaces]
            current = parents[0] if parents else None
        return False

    def type_vars_of(self, node):
        names = []
        for base in node.bases:
            if isinstance(base, ast.Subscript) and dotted(base.value) == "typing.Generic":
                args = base.slice.elts if isinstance(base.slice, ast.Tuple) else [base.slice]
                names += [dotted(a) for a in args]
        return {n: f"T{i}" for i, n in enumerate(names) if n}

    def class_source(self, fqn, node, package, nested, indent):
        type_vars = self.type_vars_of(node)
        generics = f"<{', '.join(type_vars.values())}>" if type_vars else ""
        is_interface = fqn in self.interfaces
        is_enum = any(isinstance(b, ast.Subscript) and dotted(b.value) == "java.lang.Enum" for b in node.bases)
        static = "static " if nested else ""
        supers, interfaces = None, []
        for base in node.bases:
            name = dotted(base.value) if isinstance(base, ast.Subscript) else dotted(base)
            if name in (None, "typing.Generic", "java.lang.Object", "java.lang.Enum"):
                continue
            resolved = self.resolve_class(name, package, fqn)
            if name.startswith(JDK_PREFIXES):
                resolved = name
            if not resolved or (resolved not in self.wanted and not resolved.startswith(JDK_PREFIXES)):
                continue
            args = ""
            if isinstance(base, ast.Subscript):
                inner = base.slice.elts if isinstance(base.slice, ast.Tuple) else [base.slice]
                args = "<" + ", ".join(box(self.java_type(a, package, fqn, type_vars)[0]) for a in inner) + ">"
            if resolved in self.interfaces or (resolved.startswith(JDK_PREFIXES) and jdk_interface(resolved)):
                interfaces.append(resolved + args)
            elif supers is None and not is_interface and not is_enum:
                supers = resolved + args
            else:
                interfaces.append(resolved + args)
        if is_interface:
            kind = "interface"
            head = f"{indent}public {static}interface {node.name}{generics}"
            if interfaces:
                head += " extends " + ", ".join(interfaces)
        elif is_enum:
            head = f"{indent}public {static}enum {node.name}"
            if interfaces:
                head += " implements " + ", ".join(interfaces)
            kind = "enum"
        else:
            kind = "class"
            head = f"{indent}public {static}class {node.name}{generics}"
            if supers:
                head += f" extends {supers}"
            if interfaces:
                head += " implements " + ", ".join(interfaces)
        lines = [head + " {"]
        inner = indent + "    "
        methods = self.methods(fqn, node, package, type_vars)
        if kind == "enum":
            constants = [c.target.id for c in node.body
                         if isinstance(c, ast.AnnAssign) and isinstance(c.target, ast.Name)
                         and (dotted(c.annotation.slice if isinstance(c.annotation, ast.Subscript) else c.annotation) or "")
                         .rsplit(".", 1)[-1] == node.name]
            lines.append(inner + (", ".join(constants) or "") + ";")
        lines += self.fields(fqn, node, package, type_vars, kind, inner)
        abstract_ok = kind == "interface" and len(
            [m for m in methods if not m["static"] and not m["ctor"] and not redeclares_object(m)]) == 1
        super_call = ""
        if kind == "class":
            generated_super = supers is not None and erase(supers) in self.wanted
            super_call = f"super(({MARKER}) null);" if generated_super else JDK_SUPER_CALLS.get(erase(supers or ""), "")
            lines.append(f"{inner}protected {node.name}({MARKER} marker) {{ {super_call} }}")
        seen = set()
        for m in methods:
            if kind == "enum" and m["name"] in ("values", "valueOf"):
                continue
            if kind == "interface" and (m["ctor"] or redeclares_object(m)):
                continue
            key = (m["name"], tuple(erase(p) for p, _ in m["params"]), m["static"])
            if key in seen:
                continue
            if not m["ctor"] and m["ret"] == "Object" and self.inherits(supers, key):
                continue
            seen.add(key)
            params = ", ".join(f"{t} {n}" for t, n in m["params"])
            if m["ctor"]:
                if kind == "enum":
                    continue
                lines.append(f"{inner}public {node.name}({params}) {{ {super_call} throw new RuntimeException(\"stub\"); }}")
                continue
            generics_m = m.get("generics", "")
            body = " { throw new RuntimeException(\"stub\"); }"
            if kind == "interface":
                if m["static"]:
                    lines.append(f"{inner}static {generics_m}{m['ret']} {safe(m['name'])}({params}){body}")
                elif abstract_ok:
                    lines.append(f"{inner}{generics_m}{m['ret']} {safe(m['name'])}({params});")
                else:
                    lines.append(f"{inner}default {generics_m}{m['ret']} {safe(m['name'])}({params}){body}")
            else:
                static_kw = "static " if m["static"] else ""
                lines.append(f"{inner}public {static_kw}{generics_m}{m['ret']} {safe(m['name'])}({params}){body}")
        if kind == "interface":
            lines += self.resolve_default_clashes(interfaces, seen, inner)
        for child in node.body:
            if isinstance(child, ast.ClassDef) and f"{fqn}.{child.name}" in self.wanted:
                lines += self.class_source(f"{fqn}.{child.name}", child, package, True, inner)
        lines.append(indent + "}")
        return lines

    def fields(self, fqn, node, package, type_vars, kind, indent):
        out = []
        for child in node.body:
            if not (isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name)):
                continue
            annotation = child.annotation
            is_static = isinstance(annotation, ast.Subscript) and dotted(annotation.value) == "typing.ClassVar"
            java, _ = self.java_type(annotation, package, fqn, {} if is_static else type_vars)
            name = child.target.id
            if kind == "enum" and java.endswith(node.name):
                continue
            if java == "void":
                java = "Object"
            if kind == "interface" or is_static:
                out.append(f"{indent}public static final {java} {safe(name)} = {default_value(java)};")
            else:
                out.append(f"{indent}public {java} {safe(name)};")
        return out

    def methods(self, fqn, node, package, type_vars):
        found = []
        for child in node.body:
            if not isinstance(child, ast.FunctionDef):
                continue
            static = any(dotted(d) == "staticmethod" for d in child.decorator_list)
            vars_here = dict({} if static else type_vars)
            # A method's own type variables: `_getParcelableExtra_1__T` is <T> of that overload.
            annotations = [a.annotation for a in child.args.posonlyargs + child.args.args] + [child.returns]
            own = sorted({n for annotation in annotations for n in annotation_names(annotation)
                          if (match := METHOD_TYPE_VAR.match(n)) and match.group(1) == child.name})
            for n in own:
                vars_here[n] = METHOD_TYPE_VAR.match(n).group(2)
            args = child.args.posonlyargs + child.args.args
            if not static and args and args[0].arg == "self":
                args = args[1:]
            params = []
            for i, a in enumerate(args):
                t, _ = self.java_type(a.annotation, package, fqn, vars_here)
                params.append((t if t != "void" else "Object", safe(a.arg) if a.arg else f"p{i}"))
            if child.args.vararg is not None:
                t, _ = self.java_type(child.args.vararg.annotation, package, fqn, vars_here)
                params.append((t + "...", safe(child.args.vararg.arg)))
            ret, ambiguous = self.java_type(child.returns, package, fqn, vars_here, returning=True)
            found.append({"name": child.name, "ctor": child.name == "__init__", "static": static,
                          "params": params, "ret": ret, "ambiguous": ambiguous,
                          "generics": f"<{', '.join(vars_here[n] for n in own)}> " if own else ""})
        for m in found:
            lost = LOST_GENERICS.get((fqn, m["name"], len(m["params"])))
            if lost and not m["generics"]:
                m["generics"], m["ret"] = f"<{lost}> ", lost
        # Narrow ambiguous return widths from setters and the table.
        setters = {}
        for m in found:
            if m["name"].startswith("set") and len(m["params"]) == 1:
                setters[m["name"][3:]] = m["params"][0][0]
        for m in found:
            if m["name"] == "charAt" and m["ret"] == "String":
                m["ret"] = "char"
            if m["ambiguous"]:
                key = (fqn, m["name"])
                if key in RETURN_WIDTHS or ("*", m["name"]) in RETURN_WIDTHS:
                    m["ret"] = RETURN_WIDTHS.get(key) or RETURN_WIDTHS[("*", m["name"])]
                else:
                    prop = re.sub(r"^(get|is)", "", m["name"])
                    if prop in setters and setters[prop] in ("long", "double", "short", "byte", "float", "int"):
                        m["ret"] = setters[prop]
        return found


def annotation_names(node):
    """The dotted names in an annotation (unions and subscripts opened)."""
    if isinstance(node, ast.BinOp):
        return annotation_names(node.left) + annotation_names(node.right)
    if isinstance(node, ast.Subscript):
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return annotation_names(node.value) + [n for a in inner for n in annotation_names(a)]
    name = dotted(node)
    return [name] if name else []


def redeclares_object(method):
    """Whether `method` is one of java.lang.Object's own (which an interface may not declare)."""
    arity = len(method["params"])
    return (method["name"] in OBJECT_METHODS and arity == 0) or (method["name"] == "equals" and arity == 1) \
        or method["name"] == "wait"


def box(t):
    return {"int": "Integer", "long": "Long", "short": "Short", "byte": "Byte", "char": "Character",
            "float": "Float", "double": "Double", "boolean": "Boolean", "void": "Object"}.get(t, t)


def erase(t):
    return re.sub(r"<.*>", "", t)


def safe(name):
    return f"{name}_" if name in JAVA_KEYWORDS else name


def default_value(java):
    return {"int": "0", "long": "0L", "short": "(short) 0", "byte": "(byte) 0", "char": "'\\0'",
            "float": "0f", "double": "0d", "boolean": "false"}.get(java, "null")


def jdk_interface(fqn):
    if fqn.startswith("java.util.function."):
        return True
    return fqn in {
        "java.util.Iterator", "java.util.Enumeration", "java.util.RandomAccess", "java.util.Queue",
        "java.util.Deque", "java.util.concurrent.Callable", "java.util.concurrent.Future",
        "java.util.SortedMap", "java.util.NavigableMap", "java.util.SortedSet", "java.lang.annotation.Annotation",
        "java.lang.Runnable", "java.lang.Comparable", "java.lang.Iterable", "java.lang.AutoCloseable",
        "java.io.Closeable", "java.io.Serializable", "java.lang.Cloneable", "java.lang.CharSequence",
        "java.lang.Appendable", "java.lang.Readable", "java.io.Flushable", "java.util.EventListener",
        "java.util.concurrent.Executor", "java.util.Comparator", "java.util.List", "java.util.Map",
        "java.util.Collection", "java.util.Set", "java.lang.reflect.Type", "java.security.Key",
        "java.security.PrivateKey", "java.security.PublicKey", "javax.crypto.SecretKey",
        "java.util.function.Consumer", "java.util.function.Supplier", "java.nio.channels.Channel",
        "java.lang.reflect.AnnotatedElement", "java.io.DataInput", "java.io.DataOutput",
        "java.security.spec.AlgorithmParameterSpec", "java.security.spec.KeySpec",
    }


REFERENCE = re.compile(r"\b((?:android|org|dalvik)(?:\.[a-z][a-z0-9_]*)*(?:\.[A-Z][A-Za-z0-9_]*)+)")


def roots_from_sources(dirs):
    roots = set()
    for d in dirs:
        for dirpath, _, files in os.walk(d):
            for f in files:
                if f.endswith((".kt", ".java")):
                    with open(os.path.join(dirpath, f), encoding="utf-8") as src:
                        roots.update(REFERENCE.findall(src.read()))
    return roots


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stubs", required=True, help="the unpacked chaquopy-stubs-android wheel")
    parser.add_argument("--sources", action="append", required=True, help="Kotlin/Java sources to scan")
    parser.add_argument("--out", required=True, help="where the Java stub sources go")
    args = parser.parse_args()
    stubs = Stubs(args.stubs)
    generator = Generator(stubs)
    missing = []
    roots = sorted(roots_from_sources(args.sources))
    for root in roots:
        # `android.view.View.OnClickListener` and `android.widget.TextView` alike.
        if stubs.find(root)[1] is None:
            missing.append(root)
        generator.want(root)
    # What the app's classes hand back is usable without naming it (prefs.edit(), clip.getItemAt()).
    for root in roots:
        generator.want_returns(root)
    count = generator.write_all(args.out)
    print(f"stubgen: {count} top-level classes, {len(generator.wanted)} with nested, "
          f"{len(generator.interfaces)} taken as interfaces")
    for name in missing:
        print(f"stubgen: not in the Android API: {name}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
