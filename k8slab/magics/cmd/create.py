"""``%k8s create``: a thin parser over :func:`k8slab.create`."""

from __future__ import annotations

from ..parser import CmdParser, add_namespace_flags


class CreateParser(CmdParser):
    """``create TYPE NAME [flags] [-- COMMAND…]``; ``secret`` takes a subtype (``generic``, ``tls``)."""

    usage_line = ("%k8s create TYPE NAME [-n NS] [flags] [--dry-run=client|server] [-o yaml|json|name] "
                  "[-- COMMAND…]\n       TYPE: namespace, deployment, job, configmap, secret generic, secret tls")

    def parse_args(self, args=None, namespace=None):
        args = list(args or [])
        command = []
        if "--" in args:
            cut = args.index("--")
            args, command = args[:cut], args[cut + 1:]
        ns = super().parse_args(args, namespace)
        ns.command = command or None
        words = list(ns.words)
        if words and words[0] == "secret":
            if len(words) < 2 or words[1] not in ("generic", "tls"):
                self.error("secret needs a subtype: secret generic NAME or secret tls NAME")
            words = [f"secret {words[1]}", *words[2:]]
        if len(words) != 2:
            self.error("give TYPE and NAME, e.g. %k8s create deployment web --image nginx:1.27")
        ns.kind, ns.name = words
        return ns


def build_parser() -> CmdParser:
    p = CreateParser(
        "create", description="Create one object from flags (for anything more, write YAML and %%k8s apply).",
        epilog="Examples:\n  %k8s create job hello-now --from=cronjob/hello\n"
               "  %k8s create deployment web --image nginx:1.27 --replicas 2 --port 80\n"
               "  %k8s create deployment web --image nginx:1.27 --dry-run=client -o yaml\n"
               "  %k8s create job once --image busybox:1.36 -- date\n"
               "  %k8s create configmap app --from-literal=mode=dev --from-file=app.properties\n"
               "  %k8s create secret generic db --from-literal=password=s3cret\n"
               "  %k8s create secret tls web-tls --cert tls.crt --key tls.key\n"
               "  %k8s create namespace lab-x")
    p.add_argument("words", nargs="+", metavar="TYPE NAME",
                   help="namespace|deployment|job|configmap|secret generic|secret tls, then the name")
    add_namespace_flags(p, all_namespaces=False)
    p.add_argument("--image", action="append", help="container image (deployment: repeatable)")
    p.add_argument("--replicas", type=int, default=1, help="deployment replicas (default 1)")
    p.add_argument("--port", type=int, help="deployment container port")
    p.add_argument("--from", dest="from_", metavar="cronjob/NAME", help="job: from a CronJob's template")
    p.add_argument("--from-literal", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--from-file", action="append", default=[], metavar="[KEY=]PATH")
    p.add_argument("--type", dest="type_", metavar="TYPE", help="secret generic: the Secret's type (default Opaque)")
    p.add_argument("--cert", help="secret tls: PEM certificate file")
    p.add_argument("--key", help="secret tls: PEM private key file")
    p.add_argument("--dry-run", nargs="?", const="client", choices=["none", "client", "server"],
                   help="client: build only; server: the server checks, stores nothing")
    p.add_argument("-o", "--output", choices=["yaml", "json", "name"], help="print the object")
    p.add_argument("--show-secrets", action="store_true", help="print Secret values with -o yaml|json")
    return p


def run(args, cell, shell):
    from ...api.create import create

    flags = {"image": args.image, "replicas": args.replicas, "port": args.port, "command": args.command,
             "from_": args.from_, "from_literal": args.from_literal, "from_file": args.from_file,
             "type_": args.type_, "cert": args.cert, "key": args.key}
    return create(args.kind, args.name, namespace=args.namespace, dry_run=args.dry_run, output=args.output,
                  show_secrets=args.show_secrets, **flags)
