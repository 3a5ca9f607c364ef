"""Templates kept per language, with what only depends on the language worked out once.

Django's cached loader keeps one parsed copy of a template for every language; each render then looks up every
`{% translate "..." %}` again (a lazy string, the catalogue, the active language: 15-20 µs each) and reverses
every `{% url 'name' %}` (40-80 µs each), though neither changes between requests in the same language. A page of
the portal has about 30 of them: a third of the time its template takes. This loader keeps a copy per language
(and URL prefix) and, on loading it, replaces those nodes by the text they render:

- `{% translate "literal" %}` without `as`, `context` or `noop` (their text is the same for every request);
- `{% url 'name' %}` without arguments or `as`, whose namespace, if any, has a single instance (the URL does
  not depend on the request's current application);
- `{% static 'path' %}` without `as` (the storage's URL of a file, the same for every request: 30-40 µs each).

Nothing inside `{% language %}` (another language) is touched. Everything else renders as before.

A kept template's nodes do not change after that, so its node list answers `get_nodes_by_type` from what it
found the first time: `{% extends %}` asks the page's base template for all its blocks on every render, a walk
of every node of the base (a fifth of the portal list's template time).
"""

from __future__ import annotations

from django.template import Context
from django.template.base import NodeList, TextNode
from django.template.defaulttags import AutoEscapeControlNode, IfNode, URLNode
from django.template.loaders import cached
from django.templatetags.i18n import LanguageNode, TranslateNode
from django.templatetags.static import StaticNode
from django.urls import NoReverseMatch, get_resolver, get_script_prefix
from django.utils.translation import get_language


class Loader(cached.Loader):
    """`django.template.loaders.cached.Loader`, a copy per language and URL prefix, its constant text folded."""

    def cache_key(self, template_name, skip=None):
        return f"{super().cache_key(template_name, skip)}|{get_language()}|{get_script_prefix()}"

    def get_template(self, template_name, skip=None):
        template = super().get_template(template_name, skip)
        if not getattr(template, "folded", False):
            fold(template.nodelist, autoescape=template.engine.autoescape)
            template.nodelist = KnownNodeList(template.nodelist)
            template.folded = True
        return template


class KnownNodeList(NodeList):
    """The node list of a template whose nodes no longer change: nodes of a type are looked for once."""

    def __init__(self, nodes: NodeList):
        super().__init__(nodes)
        self.contains_nontext = nodes.contains_nontext
        self._by_type: dict[type, list] = {}

    def get_nodes_by_type(self, nodetype):
        found = self._by_type.get(nodetype)
        if found is None:
            found = self._by_type[nodetype] = super().get_nodes_by_type(nodetype)
        return list(found)  # the caller's own list, as Django gives it


def fold(nodelist: NodeList, *, autoescape: bool) -> None:
    """Replace, in place, the nodes of `nodelist` (and the lists inside) that render the same text every time."""
    for index, node in enumerate(nodelist):
        if isinstance(node, LanguageNode):
            continue  # another language than the copy's
        text = _constant_text(node, autoescape)
        if text is not None:
            folded = TextNode(text)
            folded.origin, folded.token = node.origin, node.token
            nodelist[index] = folded
            continue
        inner = not node.setting if isinstance(node, AutoEscapeControlNode) else None
        escaping = autoescape if inner is None else node.setting
        if isinstance(node, IfNode):
            for _condition, branch in node.conditions_nodelists:
                fold(branch, autoescape=escaping)
        for attribute in node.child_nodelists:
            child = getattr(node, attribute, None)
            if isinstance(child, NodeList):
                fold(child, autoescape=escaping)


def _constant_text(node, autoescape: bool) -> str | None:
    if isinstance(node, TranslateNode):
        literal = getattr(node.filter_expression.var, "literal", None)
        if literal is None or node.filter_expression.filters or node.asvar or node.message_context or node.noop:
            return None
        return node.render(Context(autoescape=autoescape))
    if isinstance(node, URLNode):
        name = node.view_name.var  # a quoted name is kept as the string itself
        if node.view_name.is_var or not isinstance(name, str) or node.view_name.filters:
            return None
        if node.args or node.kwargs or node.asvar:
            return None
        if not _single_instance(name):
            return None
        try:
            return node.render(Context(autoescape=autoescape))
        except NoReverseMatch:
            return None  # left to fail as it would
    if isinstance(node, StaticNode):
        if node.path.is_var or not isinstance(node.path.var, str) or node.path.filters or node.varname:
            return None
        try:
            return node.render(Context(autoescape=autoescape))
        except ValueError:
            return None  # a manifest storage missing the file: left to fail as it would, on the request
    return None


def _single_instance(view_name: str) -> bool:
    """Whether every namespace of `view_name` has one instance (else the request's application could matter)."""
    resolver = get_resolver()
    *namespaces, _name = view_name.split(":")
    for namespace in namespaces:
        instances = resolver.app_dict.get(namespace)
        if instances is not None and len(instances) != 1:
            return False
        if namespace not in resolver.namespace_dict:
            return False
        _prefix, resolver = resolver.namespace_dict[namespace]
    return True
