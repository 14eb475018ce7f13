"""PyYAML's safe loaders, reading values as kubectl's YAML-to-JSON conversion does.

kubectl (sigs.k8s.io/yaml) keeps an unquoted timestamp (and a bare ``=``) as the text written and turns
``!!binary`` into the decoded text, and ``!!omap``/``!!pairs`` into a list of one-key
mappings. PyYAML would make ``datetime``, ``bytes`` and tuples, which JSON cannot hold
(they used to reach the cluster as Python reprs such as ``"b'hello'"``).
"""

from __future__ import annotations

import base64
import binascii

import yaml


def _timestamp(loader, node):
    return loader.construct_scalar(node)


def _binary(loader, node):
    text = loader.construct_scalar(node)
    try:
        data = base64.b64decode(text.encode("ascii"), validate=False)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise yaml.constructor.ConstructorError(None, None, f"!!binary: not base64 ({exc})",
                                                node.start_mark) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # refused by guard.check_data, with the field's name


def _pairs(loader, node):
    return [{k: v} for k, v in _pair_list(loader, node)]


def _pair_list(loader, node):
    if not isinstance(node, yaml.SequenceNode):
        raise yaml.constructor.ConstructorError(None, None, "!!omap/!!pairs needs a list of one-key mappings",
                                                node.start_mark)
    out = []
    for sub in node.value:
        if not isinstance(sub, yaml.MappingNode) or len(sub.value) != 1:
            raise yaml.constructor.ConstructorError(None, None, "!!omap/!!pairs needs a list of one-key mappings",
                                                    sub.start_mark)
        k, v = sub.value[0]
        out.append((loader.construct_object(k, deep=True), loader.construct_object(v, deep=True)))
    return out


def _fix(cls):
    cls.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
    cls.add_constructor("tag:yaml.org,2002:value", _timestamp)  # a plain "=" is the text "=", as in kubectl
    cls.add_constructor("tag:yaml.org,2002:binary", _binary)
    cls.add_constructor("tag:yaml.org,2002:omap", _pairs)
    cls.add_constructor("tag:yaml.org,2002:pairs", _pairs)
    return cls


@_fix
class SlowLoader(yaml.SafeLoader):
    """PyYAML's own parser: its error messages are what syntax errors are made of."""


FastLoader = None
if getattr(yaml, "CSafeLoader", None) is not None:

    @_fix
    class FastLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        """libyaml's parser (when PyYAML was built with it): ~15x faster."""
