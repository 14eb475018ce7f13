"""``%k8s create``: a thin parser over :func:`k8slab.create`."""

from __future__ import annotations

from IPython.core.error import UsageError

from ..parser import CmdParser, add_namespace_flags, add_dry_run_flag


_SUBTYPES = {"secret": ("generic", "tls", "docker-registry"),
             "service": ("clusterip", "nodeport", "loadbalancer", "externalname"),
             "svc": ("clusterip", "nodeport", "loadbalancer", "externalname")}


class CreateParser(CmdParser):
    """``create TYPE NAME [flags] [-- COMMAND…]``; ``secret`` and ``service`` take a subtype."""

    usage_line = ("%k8s create TYPE NAME [-n NS] [flags] [--dry-run=client|server] [-o yaml|json|name] "
                  "[-- COMMAND…]\n       %k8s create -f FILE|DIR [-n NS] [--dry-run=…] [-o …]   (or %%k8s create: the"
                  " cell's YAML)\n       TYPE: namespace, deployment, job, cronjob, configmap, secret generic|tls|docker-registry,"
                  "\n             service clusterip|nodeport|loadbalancer|externalname, ingress")

    def parse_args(self, args=None, namespace=None):
        args = list(args or [])
        command = []
        if "--" in args:
            cut = args.index("--")
            args, command = args[:cut], args[cut + 1:]
        ns = super().parse_args(args, namespace)
        ns.command = command or None
        words = list(ns.words)
        if not words:  # YAML from -f or the cell (checked in run, which sees the cell)
            ns.kind = ns.name = None
            return ns
        if ns.filename:
            self.error("give TYPE NAME or -f FILE, not both")
        subtypes = _SUBTYPES.get(words[0] if words else "")
        if subtypes:
            if len(words) < 2 or words[1] not in subtypes:
                self.error(f"{words[0]} needs a subtype: {words[0]} {'|'.join(subtypes)} NAME")
            words = [f"{'service' if words[0] == 'svc' else words[0]} {words[1]}", *words[2:]]
        if len(words) != 2:
            self.error("give TYPE and NAME, e.g. %k8s create deployment web --image nginx:1.27")
        ns.kind, ns.name = words
        return ns


def build_parser() -> CmdParser:
    p = CreateParser(
        "create", description="Create one object from flags, or the objects of YAML (-f FILE|DIR, or the cell) as"
        " kubectl create -f does: each object on its own, generateName honoured.",
        epilog="Examples:\n  %k8s create job hello-now --from=cronjob/hello\n"
               "  %k8s create deployment web --image nginx:1.27 --replicas 2 --port 80\n"
               "  %k8s create deployment web --image nginx:1.27 --dry-run=client -o yaml\n"
               "  %k8s create job once --image busybox:1.36 -- date\n"
               "  %k8s create configmap app --from-literal=mode=dev --from-file=app.properties\n"
               "  %k8s create secret generic db --from-literal=password=s3cret\n"
               "  %k8s create secret tls web-tls --cert tls.crt --key tls.key\n"
               "  %k8s create cronjob hello --image busybox:1.36 --schedule '*/1 * * * *' -- date\n"
               "  %k8s create service nodeport web --tcp 80:8080 --node-port 30080\n"
               "  %k8s create ingress web --rule 'app.example.com/*=web:80,tls=web-tls'\n"
               "  %k8s create secret docker-registry reg --docker-server r.example.com --docker-username u"
               " --docker-password p\n"
               "  %k8s create namespace lab-x\n"
               "  %k8s create -f manifests/job.yaml      # generateName works: the server picks the name\n"
               "  %%k8s create                            # the cell's YAML, each object POSTed as create -f does")
    p.add_argument("words", nargs="*", metavar="TYPE NAME",
                   help="namespace|deployment|job|cronjob|configmap|secret SUBTYPE|service SUBTYPE|ingress, then the name")
    p.add_argument("-f", "--filename", action="extend", nargs="+", default=[], metavar="PATH",
                   help="create the objects of files or directories (*.yaml, *.yml, *.json), as kubectl create -f")
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
    p.add_argument("--schedule", help="cronjob: when, in cron syntax, e.g. '*/5 * * * *'")
    p.add_argument("--restart", help="cronjob: OnFailure (default) or Never")
    p.add_argument("--docker-server", help="secret docker-registry: the registry (default Docker Hub)")
    p.add_argument("--docker-username", help="secret docker-registry: the user")
    p.add_argument("--docker-password", help="secret docker-registry: the password")
    p.add_argument("--docker-email", help="secret docker-registry: the e-mail")
    p.add_argument("--tcp", action="append", default=[], metavar="PORT[:TARGET]", help="service: a port (repeatable)")
    p.add_argument("--node-port", type=int, help="service nodeport: the node port (30000-32767)")
    p.add_argument("--clusterip", help="service clusterip: an IP, or None for a headless Service")
    p.add_argument("--external-name", help="service externalname: the DNS name it stands for")
    p.add_argument("--rule", action="append", default=[], metavar="HOST/PATH=SVC:PORT[,tls[=SECRET]]",
                   help="ingress: a rule (repeatable); a path ending in * is a prefix")
    p.add_argument("--default-backend", metavar="SVC:PORT", help="ingress: where unmatched traffic goes")
    p.add_argument("--class", dest="class_", metavar="CLASS", help="ingress: its IngressClass")
    p.add_argument("--annotation", action="append", default=[], metavar="KEY=VALUE", help="ingress: an annotation")
    add_dry_run_flag(p)
    p.add_argument("-o", "--output", choices=["yaml", "json", "name"], help="print the object")
    p.add_argument("--show-secrets", action="store_true", help="print Secret values with -o yaml|json")
    return p


_YAML_FLAGS = ("namespace", "dry_run", "output", "show_secrets", "filename", "words", "kind", "name", "command")


READS_CELL = True  # %%k8s create: the cell's YAML, as create -f


def _yaml(args, cell, shell):
    from ...api.write.create import create
    from .apply import cell_or_files

    if not args.filename and (cell is None or not cell.strip()):
        raise UsageError("%k8s create: give TYPE and NAME (e.g. %k8s create deployment web --image nginx:1.27),"
                         " or YAML: -f FILE|DIR, or %%k8s create with the YAML in the cell.\n(more: %k8s help create)")
    text = cell_or_files("create", cell, args.filename)
    defaults = build_parser().parse_args([])
    extra = sorted(f"--{k.rstrip('_').replace('_', '-')}" for k, v in vars(args).items()
                   if k not in _YAML_FLAGS and v != getattr(defaults, k, None))
    if extra or args.command:
        raise UsageError(f"%k8s create -f/%%k8s create: {', '.join(extra) or '-- COMMAND'} only apply to"
                         " create TYPE NAME; the YAML says everything else.")
    return create(files=args.filename or None, manifest=text, namespace=args.namespace,
                  dry_run=args.dry_run, output=args.output, show_secrets=args.show_secrets)


def run(args, cell, shell):
    from ...api.write.create import create

    if args.kind is None or (cell is not None and cell.strip()):
        if args.kind is not None:
            raise UsageError("%%k8s create takes YAML from the cell, or TYPE NAME with flags, not both.")
        return _yaml(args, cell, shell)
    flags = {"image": args.image, "replicas": args.replicas, "port": args.port, "command": args.command,
             "from_": args.from_, "from_literal": args.from_literal, "from_file": args.from_file,
             "type_": args.type_, "cert": args.cert, "key": args.key, "schedule": args.schedule,
             "restart": args.restart, "docker_server": args.docker_server, "docker_username": args.docker_username,
             "docker_password": args.docker_password, "docker_email": args.docker_email, "tcp": args.tcp,
             "node_port": args.node_port, "clusterip": args.clusterip, "external_name": args.external_name,
             "rule": args.rule, "default_backend": args.default_backend, "class_": args.class_,
             "annotation": args.annotation}
    return create(args.kind, args.name, namespace=args.namespace, dry_run=args.dry_run, output=args.output,
                  show_secrets=args.show_secrets, **flags)
