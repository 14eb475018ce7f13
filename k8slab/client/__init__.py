"""The cluster client layer: the only package that imports ``kubernetes``.

Everything above it (the public API in :mod:`k8slab.api`, the magics, the
widgets) talks to the cluster through one :class:`~k8slab.client.session.Session`
and gets plain ``dict``/``list`` data and :mod:`k8slab.errors` exceptions back.

Interface (stable; other modules build on it):

``k8slab.client.session``
    ``current() -> Session``
        The notebook-wide session, created on first use.
    ``use(context=None, namespace=None, allow_non_lab=False) -> Session``
        Set sticky defaults. A new context builds a new client; by default only
        the lab contexts (those in k8slab's own kubeconfig, ``kwok-k8slab``,
        ``kind-k8slab``) pass the guard, others raise ``ContextGuardError``.
    ``reset()``
        Forget the current session (tests, kubeconfig changes).

``Session``
    ``.request(method, path, *, query=None, body=None, headers=None,
    content_type=None, accept=None, timeout=None) -> dict``
        One REST call; JSON in and out (``body`` may be a dict/list, or a
        ``str``/``bytes`` sent as is, e.g. YAML with
        ``content_type="application/apply-patch+yaml"``).
    ``.request_text(method, path, *, query=None, headers=None, timeout=None) -> str``
        The same for text answers (pod logs).
    ``.send(method, path, *, query=None, body=None, headers=None, content_type=None,
    accept=JSON, timeout=None)``
        The open urllib3 response (unread) for streams the caller closes itself.
    ``.stream_lines(path, *, query=None, accept=JSON, timeout=60) -> Iterator[bytes]``
        A streamed GET, line by line (``logs -f``, watches).
    ``.resolve(type_str) -> ResourceInfo``
        kubectl's names: plural, singular, kind, short name, ``TYPE.group``,
        ``TYPE.version.group``. Unknown → ``NotFoundError`` with the closest.
    ``.expand("pods,svc" | "all") -> list[ResourceInfo]``
        Several types, or a category (``all``), in order.
    ``.resolve_kind(api_version, kind) -> ResourceInfo``
        For manifests; an unserved version names the served one.
    ``.path(info, namespace=None, name=None, subresource=None) -> str``
        REST path, e.g. ``/apis/apps/v1/namespaces/x/deployments/web/scale``.
    ``.resources() -> list[ResourceInfo]``  every served top-level resource.
    ``.index(refresh=False) -> ResourceIndex`` the cached discovery index.
    ``.namespace`` effective default namespace; ``.context``; ``.server``;
    ``.is_lab``; ``.stale()`` (the kubeconfig changed: ``current()`` then
    rebuilds the session on the same context);
    ``.api_client`` the one warm ``kubernetes.client.ApiClient``.

``k8slab.client.reflector.Reflector(path, *, label_selector=None, field_selector=None,
on_event=None, on_state=None, on_sync=None, table=False, session=None, ...)``
    The kit's one list+watch loop: list, watch from the list's resourceVersion, bookmarks,
    relist on 410 Gone, backoff on errors. ``.start()``/``.stop()`` run it in a thread;
    ``.run(deadline)`` in the caller's until ``.stop()`` or the deadline.

``k8slab.client.kubeconfig``
    ``choose_context(context=None, *, allow_non_lab=False) -> ContextChoice``
    (``name, files, server, namespace, is_lab``) and ``LAB_CONTEXTS``.

``k8slab.client.discovery.ResourceInfo``
    ``group, version, kind, plural, singular, namespaced, short_names, verbs,
    subresources, categories``; ``.api_version``, ``.full_name``
    (``deployments.apps``), ``.name_prefix`` (``deployment.apps``, for ``-o name``).

``k8slab.client.errors.translate(exc, *, server=None, context=None) -> K8sLabError``
    ``ApiException``, urllib3 and kubeconfig errors to :mod:`k8slab.errors`,
    with the API ``Status`` (reason, message, ``details.causes[].field``)
    in the message. Callers ``raise translate(e) from e``.
"""
