"""The GraphQL endpoint (`/graphql/` on the platform and every company domain).

One request goes through, in order, each step refusing with a typed error
(`extensions.code`) and nothing executed:

1. the HTTP request: GET or POST, JSON (or application/graphql) body within
   Django's size cap, `query` a string, `variables` an object;
2. the document's bytes and tokens (graphql-core's parser enforces the token
   limit and its own nesting limit);
3. shape.scan: operations, fragments, selections, repeated fields, aliases as
   written, in one linear pass (graphql-core's validation is quadratic in some
   of these, so they are bounded first);
4. graphql-core's standard rules (NoFragmentCyclesRule among them), run first
   and on their own, so the analysis below never meets a cycle;
5. the operation: GET only for queries, variables coerced (bad values are
   BAD_USER_INPUT), every string literal and variable checked (inputs.py);
6. cost.Analysis, linear with memoised fragments: root fields, depth,
   introspection (off for anonymous callers and residents unless
   GRAPHQL_PUBLIC_INTROSPECTION) and the cost budget of the caller's role;
7. execution. An exception escaping a resolver is logged with its traceback
   and answered as INTERNAL_ERROR without detail.

Every answer is JSON except the GraphiQL page (dev only); errors around the
view are made JSON by middleware.GraphQLJsonErrorsMiddleware."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.language import DocumentNode, OperationDefinitionNode

from heat_platform.kernel.actors import Actor, actor_from_request

from . import inputs, shape
from .cost import INTROSPECTION_LISTS_MAX, Analysis, root_permissions
from .limits import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTERNAL_ERROR,
    INTROSPECTION_DISABLED,
    METHOD_NOT_ALLOWED,
    PAYLOAD_TOO_LARGE,
    QUERY_TOO_COMPLEX,
    QUERY_TOO_DEEP,
    TOO_MANY_OPERATIONS,
    UNSUPPORTED_MEDIA_TYPE,
    limits_for,
    refusal,
)
from .middleware import error_body

logger = logging.getLogger(__name__)

MAX_VALIDATION_ERRORS = 20
# The vendored GraphiQL assets (graphql_api/static/graphql_api/graphiql/, see its README).
GRAPHIQL_ASSETS = {
    "graphiql_css": "graphql_api/graphiql/graphiql-2.4.7/graphiql.min.css",
    "explorer_css": "graphql_api/graphiql/plugin-explorer-0.1.15/style.css",
    "react_js": "graphql_api/graphiql/react-17.0.2/react.production.min.js",
    "react_dom_js": "graphql_api/graphiql/react-dom-17.0.2/react-dom.production.min.js",
    "graphiql_js": "graphql_api/graphiql/graphiql-2.4.7/graphiql.min.js",
    "graphql_ws_js": "graphql_api/graphiql/graphql-ws-5.13.1/graphql-ws.min.js",
    "explorer_js": "graphql_api/graphiql/plugin-explorer-0.1.15/graphiql-plugin-explorer.umd.js",
}


class RequestError(Exception):
    """The HTTP request itself is unusable: answered with `status` and a typed error."""

    def __init__(self, status: int, code: str, message: str, allow: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.allow = status, code, message, allow


def _internal_error(error: GraphQLError) -> dict:
    return {"message": _("服务器内部错误，请稍后再试。"), "path": error.path, "extensions": {"code": INTERNAL_ERROR}}


@method_decorator(csrf_exempt, name="dispatch")  # Bearer tokens only; no cookie auth reaches GraphQL
class HeatGraphQLView(GraphQLView):
    graphiql_template = "graphql_api/graphiql.html"

    def __init__(self, **kwargs):
        kwargs.setdefault("graphiql", settings.GRAPHIQL_ENABLED)
        super().__init__(**kwargs)

    # --- HTTP -----------------------------------------------------------------------------------

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return self._dispatch(request)
        except RequestError as exc:
            response = HttpResponse(error_body(exc.code, exc.message), status=exc.status,
                                    content_type="application/json")
            if exc.allow:
                response["Allow"] = exc.allow
            return response
        except Exception:
            logger.exception("unhandled error on the GraphQL endpoint")
            return HttpResponse(error_body(INTERNAL_ERROR, _("服务器内部错误，请稍后再试。")), status=500,
                                content_type="application/json")

    def _dispatch(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "POST"):
            raise RequestError(405, METHOD_NOT_ALLOWED, _("GraphQL 只接受 GET 和 POST 请求。"), allow="GET, POST")
        data = self._body(request) if request.method == "POST" else {}
        if self.graphiql and request.method == "GET" and self.can_display_graphiql(request, data):
            return self.render_graphiql(request)
        query, variables, operation_name = self._params(request, data)
        result, status = self.run(request, query, variables, operation_name)
        return HttpResponse(json.dumps(result, separators=(",", ":")), status=status,
                            content_type="application/json")

    def _body(self, request: HttpRequest) -> dict:
        content_type = self.get_content_type(request)
        if content_type not in ("application/json", "application/graphql"):
            raise RequestError(415, UNSUPPORTED_MEDIA_TYPE, _("不支持的请求内容类型，请使用 application/json。"))
        try:
            body = request.body
        except RequestDataTooBig:
            raise RequestError(413, PAYLOAD_TOO_LARGE, _("请求体过大。"))
        except (SuspiciousOperation, OSError):
            raise RequestError(400, BAD_REQUEST, _("请求无效。"))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError(400, BAD_REQUEST, _("请求体不是有效的 UTF-8。"))
        if content_type == "application/graphql":
            return {"query": text}
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise RequestError(400, BAD_REQUEST, _("请求体不是有效的 JSON。"))
        if not isinstance(data, dict):
            raise RequestError(400, BAD_REQUEST, _("请求体须是 JSON 对象 {query, variables, operationName}。"))
        return data

    @staticmethod
    def _params(request: HttpRequest, data: dict) -> tuple[str, dict | None, str | None]:
        query = request.GET.get("query") if "query" in request.GET else data.get("query")
        variables = request.GET.get("variables") if "variables" in request.GET else data.get("variables")
        operation_name = request.GET.get("operationName") if "operationName" in request.GET \
            else data.get("operationName")
        if isinstance(variables, str):
            try:
                variables = json.loads(variables) if variables.strip() else None
            except (ValueError, RecursionError):
                raise RequestError(400, BAD_REQUEST, _("variables 不是有效的 JSON。"))
        if not isinstance(query, str) or not query.strip():
            raise RequestError(400, BAD_REQUEST, _("请提供查询（query）。"))
        if variables is not None and not isinstance(variables, dict):
            raise RequestError(400, BAD_REQUEST, _("variables 须是 JSON 对象。"))
        if operation_name in ("", "null"):
            operation_name = None
        if operation_name is not None and not isinstance(operation_name, str):
            raise RequestError(400, BAD_REQUEST, _("operationName 须是字符串。"))
        return query, variables, operation_name

    def render_graphiql(self, request, **data):
        # The integrity hashes are graphene-django's for these versions: the vendored files are its CDN's.
        return render(request, self.graphiql_template, {
            **GRAPHIQL_ASSETS,
            "graphiql_css_sri": self.graphiql_css_sri,
            "explorer_css_sri": self.graphiql_plugin_explorer_css_sri,
            "react_sri": self.react_sri,
            "react_dom_sri": self.react_dom_sri,
            "graphiql_sri": self.graphiql_sri,
            "graphql_ws_sri": self.subscriptions_transport_ws_sri,
            "explorer_sri": self.graphiql_plugin_explorer_sri,
            "graphiql_header_editor_enabled": graphene_settings.GRAPHIQL_HEADER_EDITOR_ENABLED,
            "graphiql_should_persist_headers": graphene_settings.GRAPHIQL_SHOULD_PERSIST_HEADERS,
            "graphiql_input_value_deprecation": graphene_settings.GRAPHIQL_INPUT_VALUE_DEPRECATION,
        })

    # --- GraphQL --------------------------------------------------------------------------------

    def get_context(self, request):
        return request

    def run(self, request: HttpRequest, query: str, variables: dict | None,
            operation_name: str | None) -> tuple[dict, int]:
        request.actor = actor_from_request(request)
        prepared = prepare(self.schema, request.actor, method=request.method, query=query, variables=variables,
                           operation_name=operation_name)
        if isinstance(prepared, list):  # refused: nothing executes
            return {"errors": [self.format_error(e) for e in prepared]}, 400
        document = prepared
        result: ExecutionResult = execute(
            self.schema.graphql_schema, document, root_value=self.get_root_value(request),
            context_value=self.get_context(request), variable_values=variables, operation_name=operation_name,
            middleware=self.get_middleware(request),
        )
        response: dict = {}
        if result.errors:
            response["errors"] = [self.format_error(e) for e in result.errors]
        if result.errors and any(e.path is None for e in result.errors):
            return response, 400
        response["data"] = result.data
        return response, 200

    @staticmethod
    def format_error(error):
        if not isinstance(error, GraphQLError):
            logger.error("unexpected error object from GraphQL execution", exc_info=error)
            return {"message": _("服务器内部错误，请稍后再试。"), "extensions": {"code": INTERNAL_ERROR}}
        code = (error.extensions or {}).get("code")
        if error.path is not None and not code:
            # Raised while executing and not one of ours (ours carry a code): a bug. Full detail
            # to the log, a generic message to the client.
            original = error.original_error
            logger.error("unhandled error in GraphQL resolver at %s", ".".join(map(str, error.path)),
                         exc_info=original if original is not None else error)
            return _internal_error(error)
        return error.formatted


class _DocumentCache:
    """Documents that passed steps 2–4 (and hold no bad string literal), by (schema, query text, limits): the
    apps send the same few dozen documents over and over, and parsing plus graphql-core's validation were a
    third of a resident's myBills request (issue #18). Only what depends on nothing but the text is kept;
    the operation, variables, permissions and cost are still checked on every request. Bounded (LRU), so
    many distinct documents only cost their own parse; thread-safe (gthread workers share it)."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple, DocumentNode] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> DocumentNode | None:
        with self._lock:
            document = self._items.get(key)
            if document is not None:
                self._items.move_to_end(key)
            return document

    def put(self, key: tuple, document: DocumentNode) -> None:
        with self._lock:
            self._items[key] = document
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


DOCUMENTS = _DocumentCache(size=256)
# Only documents up to this size are kept (the apps' own are a few KB): a kept tree holds its source text, so
# 256 documents of the 1 MiB a request may send would pin about 256 MB per process, and anyone could fill it.
CACHED_DOCUMENT_MAX_CHARS = 16_384


def prepare(graphene_schema, actor: Actor, *, method: str, query: str, variables: dict | None,
            operation_name: str | None) -> DocumentNode | list[GraphQLError]:
    """Steps 2–6 for one request by `actor`: the parsed document, or the errors that refuse it
    (nothing has run). A mutation asked for with GET raises RequestError (405)."""
    limits = limits_for(actor)
    schema = graphene_schema.graphql_schema
    key = (schema, query, limits)
    document = DOCUMENTS.get(key)
    literal_errors: list[GraphQLError] = []
    if document is None:
        checked = _checked_document(schema, query, limits)
        if isinstance(checked, list):
            return checked
        document = checked
        literal_errors = inputs.document_errors(document)
        if not literal_errors and len(query) <= CACHED_DOCUMENT_MAX_CHARS:
            DOCUMENTS.put(key, document)

    operation = _operation(document, operation_name)
    if isinstance(operation, GraphQLError):
        return [operation]
    if method == "GET" and operation.operation != OperationType.QUERY:
        raise RequestError(405, METHOD_NOT_ALLOWED, _("GET 请求只能执行查询，变更请用 POST。"), allow="POST")
    errors = literal_errors + inputs.variable_errors(variables or {})
    if errors:
        return errors
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {},
                                  max_errors=MAX_VALIDATION_ERRORS)
    if isinstance(coerced, list):
        return [_variable_error(e) for e in coerced]

    try:
        summary = Analysis(schema, document, coerced, denied=_denied(graphene_schema, actor)).operation(operation)
    except RecursionError:
        return [refusal(QUERY_TOO_DEEP, _("查询嵌套过深。"), limit="depth", maximum=limits.max_depth)]
    if summary.depth > limits.max_depth:
        return [refusal(QUERY_TOO_DEEP, _("查询嵌套过深。"), operation, limit="depth", maximum=limits.max_depth,
                        actual=summary.depth)]
    if summary.introspection and not limits.introspection:
        return [refusal(INTROSPECTION_DISABLED, _("登录后才能查询 API 结构（introspection）。"), operation)]
    if summary.intro_lists > INTROSPECTION_LISTS_MAX:
        return [refusal(QUERY_TOO_COMPLEX, _("查询过于复杂，请减少每页条数或字段。"), operation,
                        limit="introspectionDepth")]
    if summary.cost > limits.max_cost:
        return [refusal(QUERY_TOO_COMPLEX, _("查询过于复杂，请减少每页条数或字段。"), operation, limit="cost",
                        maximum=limits.max_cost, actual=summary.cost)]
    if summary.root_fields > limits.max_root_fields:
        return [refusal(TOO_MANY_OPERATIONS, _("一次请求中的操作或根字段过多。"), operation, limit="rootFields",
                        maximum=limits.max_root_fields, actual=summary.root_fields)]
    return document


def _checked_document(schema, query: str, limits) -> DocumentNode | list[GraphQLError]:
    """Steps 2–4: size, parse, shape, graphql-core's rules."""
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > limits.max_document_bytes:
        return [shape.too_large("bytes", limits.max_document_bytes, size)]
    try:
        document = parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        if "Document contains more than" in error.message:
            return [shape.too_large("tokens", limits.max_tokens, limits.max_tokens + 1)]
        if "nested too deeply" in error.message:
            return [refusal(QUERY_TOO_DEEP, _("查询嵌套过深。"), limit="depth", maximum=limits.max_depth)]
        return [_with_code(error, GRAPHQL_PARSE_FAILED)]

    error = shape.scan(document, limits)
    if error:
        return [error]
    try:
        errors = validate(schema, document, specified_rules, max_errors=MAX_VALIDATION_ERRORS)
    except RecursionError:  # some rules recurse per nesting level; the parser's own bound is looser
        return [refusal(QUERY_TOO_DEEP, _("查询嵌套过深。"), limit="depth", maximum=limits.max_depth)]
    if errors:
        return [_with_code(e, GRAPHQL_VALIDATION_FAILED) for e in errors]

    return document


def _denied(graphene_schema, actor: Actor):
    permissions = root_permissions(graphene_schema)

    def denied(type_name: str, field_name: str) -> bool:
        declared = permissions.get((type_name, field_name))
        return declared is not None and not any(p.check(actor) for p in declared)

    return denied


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _variable_error(error: GraphQLError) -> GraphQLError:
    """A variable that does not coerce: BAD_USER_INPUT, with our own scalar's message when it has one."""
    original = error.original_error
    if isinstance(original, GraphQLError) and (original.extensions or {}).get("code"):
        variable = error.nodes[0].variable.name.value if error.nodes else None
        return GraphQLError(original.message, error.nodes, extensions={**original.extensions, "variable": variable})
    return _with_code(error, BAD_USER_INPUT)


def _operation(document, operation_name: str | None) -> OperationDefinitionNode | GraphQLError:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        return refusal(BAD_REQUEST, _("文档含多个操作时须提供 operationName。"))
    for operation in operations:
        if operation.name and operation.name.value == operation_name:
            return operation
    return refusal(BAD_REQUEST, _("文档中没有名为 operationName 的操作。"))
