"""Sphinx extension: an inline literal that is a registered claim id links to the claim's ledger entry.

Chapters write claim ids as inline code (```iade.lemma-2.1```); this post-transform turns each such literal
into a link to the entry's label ``claim-<id>`` (written by ``book/generate.py`` on the paper's claims page),
so no chapter is edited by hand. A literal that is not a registered claim id (no such label), a literal
inside a heading (the entry's own title) and a literal already inside a link stay as they are.
Loaded from ``book/_config.yml`` (``sphinx.local_extensions``).
"""
from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

#: A claim id: paper key, a dot, then the claim's name (theory.registry.PAPERS keys).
CLAIM_ID = re.compile(r"(?:iade|neolithic|compams|lena|mcm)\.[A-Za-z0-9][A-Za-z0-9.\-]*")


def claim_label(claim_id: str) -> str:
    """The label generate.py gives the entry (``generate.label("claim", id)``)."""
    return re.sub(r"[^a-z0-9]+", "-", f"claim-{claim_id}".lower()).strip("-")


class ClaimLinks(SphinxPostTransform):
    default_priority = 5  # before the reference resolver's own work is rendered; labels are all known here
    formats = ("html",)

    def run(self, **kwargs) -> None:
        labels = self.env.domaindata["std"]["labels"]
        for literal in list(self.document.findall(nodes.literal)):
            text = literal.astext()
            if not CLAIM_ID.fullmatch(text) or _inside(literal, (nodes.reference, nodes.title, nodes.literal_block)):
                continue
            target = labels.get(claim_label(text))
            if target is None:
                continue
            docname, labelid = target[0], target[1]
            uri = self.app.builder.get_relative_uri(self.env.docname, docname)
            if docname == self.env.docname:
                uri = ""
            ref = nodes.reference("", "", internal=True, refuri=f"{uri}#{labelid}", classes=["claim-link"])
            literal.replace_self(ref)
            ref.append(literal)


def _inside(node: nodes.Node, kinds) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        parent = parent.parent
    return False


def setup(app):
    app.add_post_transform(ClaimLinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
