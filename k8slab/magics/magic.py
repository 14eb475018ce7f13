"""The ``K8sMagics`` class: parse the line, dispatch to ``cmd/<verb>.py``, show errors briefly."""

from __future__ import annotations

import shlex

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_cell_magic, magics_class, no_var_expand
from traitlets import Int, Unicode, observe



@magics_class
class K8sMagics(Magics):
    """kubectl-like verbs in notebook cells, over the public API (``k8slab.get`` …)."""

    namespace = Unicode(None, allow_none=True,
                        help="Default namespace of %k8s commands (like %k8s use --namespace).").tag(config=True)
    max_rows = Int(60, help="Rows a table shows before '… N more rows'.").tag(config=True)

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self._namespace_pending = self.namespace is not None

    @observe("namespace")
    def _namespace_changed(self, change) -> None:
        self._namespace_pending = True

    @observe("max_rows")
    def _max_rows_changed(self, change) -> None:
        from ..api.output import table

        table.MAX_ROWS = change["new"]

    def _apply_config(self) -> None:
        if self._namespace_pending:
            from ..api.context import use

            use(namespace=self.namespace or None)
            self._namespace_pending = False

    @no_var_expand
    @line_cell_magic
    def k8s(self, line: str, cell: str | None = None):
        """kubectl-like commands for notebooks; each returns Python data.

        Usage: ``%k8s VERB [ARGS…]`` or, for YAML in the cell, ``%%k8s apply [FLAGS]``.
        ``{var}``/``$var`` are not expanded (YAML needs them); ``apply`` offers
        ``{{ name }}`` substitution from the notebook's variables instead.

        Verbs: apply, diff, create, run, expose, get, describe, delete, events, logs, exec, label,
        annotate, patch, set, scale, rollout, cordon, uncordon, drain, taint, wait, check, solution,
        explain, api-resources, tree, version, cluster-info, use, help. ``%k8s help VERB`` shows a verb's flags.

        Examples::

            %k8s get pods                      # a DataFrame, like kubectl get pods
            pods = %k8s get pods -n lab-01 -o wide
            %k8s get deploy/web -o yaml
            %k8s get pods -A -l app=web --sort-by=.metadata.name
            %k8s get pods -o jsonpath='{.items[*].metadata.name}'
            %k8s describe pod/web-7d4b9c
            %k8s label pod/web-7d4b9c tier=debug --overwrite
            %k8s set image deploy/web web=nginx:1.28
            %k8s patch deploy/web -p '{"spec": {"replicas": 2}}'
            %k8s expose deploy/web --port 80 --type NodePort
            %k8s logs web-7d4b9c -c app --tail 20
            %k8s exec web-7d4b9c -- ls /usr/share/nginx/html   # kind: real containers
            %k8s events deploy/web
            %k8s tree deploy/web
            %k8s explain deployment.spec.strategy
            %k8s use --namespace lab-01

            %%k8s apply --wait
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: demo}
            data: {greeting: hello}
        """
        from .lesson import stub_left
        from .parser import strip_comment

        todo = stub_left(line, cell)
        if todo:  # a lesson's task stub, ___ blanks still in it: nothing goes to the cluster
            print(todo)
            return None
        try:
            argv = shlex.split(strip_comment(line), posix=True)
        except ValueError as e:
            raise UsageError(f"%k8s: cannot split the line ({e}); check the quotes.") from None
        if not argv:
            argv = ["help"]
        verb, rest = argv[0], argv[1:]
        if verb in ("-h", "--help"):
            verb, rest = "help", []
        from .parser import HelpShown
        from .verbs import module_for, parser_for

        module = module_for(verb)
        try:
            args = parser_for(verb).parse_args(rest)
        except HelpShown:
            return None
        if cell is not None and cell.strip() and not getattr(module, "READS_CELL", False):
            raise UsageError(f"%%k8s {verb} does not read the cell, so its body would be ignored: write"
                             f" %k8s {verb} … on one line (cells are read by %%k8s apply, create, diff, delete, patch and solution).")
        from ..errors import ExpectationError, K8sLabError

        try:
            self._apply_config()
            return module.run(args, cell, self.shell)
        except ExpectationError:
            raise  # the cell fails (see _show_expectation), shown in one line
        except K8sLabError as e:
            raise UsageError(str(e)) from None

    @cell_magic
    def k8s_needs(self, line: str, cell: str):
        """Run the cell only on a cluster that has what it needs; otherwise say why not.

        Usage: ``%%k8s_needs containers`` — the cell (any Python and ``%k8s`` code) needs a
        cluster that runs containers (kind, a real cluster): logs, ``exec``, HTTP to a pod.
        On the kwok engine, which simulates its pods, the cell prints one line saying it
        was skipped and why. An error in the cell fails the cell, as usual.
        """
        from ..errors import ExpectationError, K8sLabError
        from .needs import run_if_supported

        try:
            return run_if_supported(line, cell, self.shell)
        except ExpectationError:
            raise
        except K8sLabError as e:
            raise UsageError(str(e)) from None


def _matcher(context):
    """Completion entry point; the completion module is imported on first use."""
    from .complete import k8s_matcher

    return k8s_matcher(context)


_matcher.matcher_api_version = 2  # type: ignore[attr-defined]


def _show_expectation(shell, etype, value, tb, tb_offset=None):
    """Show a failed check, wait or step as one line, as an error the kernel reports.

    A mistake in what the user typed stays an IPython ``UsageError`` (a message, the
    notebook runs on). The cluster not being as expected is an error: nbval (lax and
    strict) and nbclient fail the cell, so notebooks kept as regression tests go red.
    """
    shell.showtraceback((etype, value, tb), exception_only=True)


def register(ipython) -> None:
    """Register the magics and the completer on ``ipython``."""
    from ..errors import ExpectationError

    magics = K8sMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.set_custom_exc((ExpectationError,), _show_expectation)
    matchers = ipython.Completer.custom_matchers
    if _matcher not in matchers:
        matchers.append(_matcher)


def unregister(ipython) -> None:
    """Remove the magics and close the cluster connections."""
    import sys

    mm = ipython.magics_manager
    for kind in ("line", "cell"):
        mm.magics[kind].pop("k8s", None)
        mm.magics[kind].pop("k8s_needs", None)
    mm.registry.pop("K8sMagics", None)
    ipython.set_custom_exc((), None)
    if _matcher in ipython.Completer.custom_matchers:
        ipython.Completer.custom_matchers.remove(_matcher)

    widgets = sys.modules.get("k8slab.widgets")
    if widgets is not None:  # stop watch threads before their connections go
        widgets.close_all()
    mod = sys.modules.get("k8slab.client.session")
    if mod is not None:
        mod.reset()
