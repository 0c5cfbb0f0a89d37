using System.Collections.Frozen;
using Portal.Core;
using Portal.Core.Experiments;

namespace Portal.Web.Remotes;

/// <summary>
/// The fields each MLflow endpoint takes: the fields of its request message in MLflow's current protos
/// (mlflow/protos/service.proto, model_registry.proto, with the MLflow 3 additions such as LogMetric's model_id and
/// dataset fields, LogInputs' models, CreateModelVersion's model_id and the registered models' deployment_job_id), so
/// every field a 2.x or 3.x client sends is accepted. MLflow's server drops any other field without a word
/// (parse_dict with ignore_unknown_fields in mlflow/utils/proto_json_utils.py); Portal refuses it instead, naming the
/// field and what the endpoint takes, because a typo'd field silently ignored is a value silently lost. Only the top
/// level of the body (or the query string of a GET) is checked: nested messages are read field by field by the handler.
/// </summary>
public static class MlflowRequestFields
{
    private const string ApiPrefix = "/api/2.0/mlflow/";

    /// <summary>"METHOD route below /api/2.0/mlflow/" → the request message's fields.</summary>
    private static readonly FrozenDictionary<string, string[]> Accepted = new Dictionary<string, string[]>
    {
        // service.proto: experiments
        ["POST experiments/create"] = ["name", "artifact_location", "tags"],
        ["GET experiments/get"] = ["experiment_id"],
        ["GET experiments/get-by-name"] = ["experiment_name"],
        ["GET experiments/search"] = ["max_results", "page_token", "filter", "order_by", "view_type"],
        ["POST experiments/search"] = ["max_results", "page_token", "filter", "order_by", "view_type"],
        ["POST experiments/update"] = ["experiment_id", "new_name"],
        ["POST experiments/delete"] = ["experiment_id"],
        ["POST experiments/restore"] = ["experiment_id"],
        ["POST experiments/set-experiment-tag"] = ["experiment_id", "key", "value"],

        // service.proto: runs, metrics, params, tags, inputs and outputs
        ["POST runs/create"] = ["experiment_id", "user_id", "run_name", "start_time", "tags"],
        ["GET runs/get"] = ["run_id", "run_uuid"],
        ["POST runs/update"] = ["run_id", "run_uuid", "status", "end_time", "run_name"],
        ["POST runs/delete"] = ["run_id"],
        ["POST runs/restore"] = ["run_id"],
        ["POST runs/delete-tag"] = ["run_id", "key"],
        ["POST runs/search"] = ["experiment_ids", "filter", "run_view_type", "max_results", "order_by", "page_token"],
        ["POST runs/log-metric"] = ["run_id", "run_uuid", "key", "value", "timestamp", "step", "model_id", "dataset_name", "dataset_digest"],
        ["POST runs/log-parameter"] = ["run_id", "run_uuid", "key", "value"],
        ["POST runs/set-tag"] = ["run_id", "run_uuid", "key", "value"],
        ["POST runs/log-batch"] = ["run_id", "metrics", "params", "tags"],
        ["POST runs/log-model"] = ["run_id", "model_json"],
        ["POST runs/log-inputs"] = ["run_id", "datasets", "models"],
        ["POST runs/outputs"] = ["run_id", "models"],
        ["GET metrics/get-history"] = ["run_id", "run_uuid", "metric_key", "page_token", "max_results"],

        // service.proto: MLflow 3's logged models (the id travels in the path and, from the client, in the body too)
        ["POST logged-models"] = ["experiment_id", "name", "model_type", "source_run_id", "params", "tags"],
        ["POST logged-models/search"] = ["experiment_ids", "filter", "datasets", "max_results", "order_by", "page_token"],
        ["GET logged-models/{modelId}"] = ["model_id"],
        ["PATCH logged-models/{modelId}"] = ["model_id", "status"],
        ["DELETE logged-models/{modelId}"] = ["model_id"],
        ["POST logged-models/{modelId}/params"] = ["model_id", "params"],
        ["PATCH logged-models/{modelId}/tags"] = ["model_id", "tags"],
        ["DELETE logged-models/{modelId}/tags/{**tagKey}"] = ["model_id", "tag_key"],

        // model_registry.proto: registered models
        ["POST registered-models/create"] = ["name", "tags", "description", "deployment_job_id"],
        ["GET registered-models/get"] = ["name"],
        ["POST registered-models/rename"] = ["name", "new_name"],
        ["PATCH registered-models/update"] = ["name", "description", "deployment_job_id"],
        ["DELETE registered-models/delete"] = ["name"],
        ["GET registered-models/search"] = ["filter", "max_results", "order_by", "page_token"],
        ["GET registered-models/get-latest-versions"] = ["name", "stages"],
        ["POST registered-models/get-latest-versions"] = ["name", "stages"],
        ["POST registered-models/set-tag"] = ["name", "key", "value"],
        ["DELETE registered-models/delete-tag"] = ["name", "key"],
        ["POST registered-models/alias"] = ["name", "alias", "version"],
        ["DELETE registered-models/alias"] = ["name", "alias"],
        ["GET registered-models/alias"] = ["name", "alias"],

        // model_registry.proto: model versions
        ["POST model-versions/create"] = ["name", "source", "run_id", "tags", "run_link", "description", "model_id"],
        ["GET model-versions/get"] = ["name", "version"],
        ["PATCH model-versions/update"] = ["name", "version", "description"],
        ["DELETE model-versions/delete"] = ["name", "version"],
        ["GET model-versions/search"] = ["filter", "max_results", "order_by", "page_token"],
        ["GET model-versions/get-download-uri"] = ["name", "version"],
        ["POST model-versions/set-tag"] = ["name", "version", "key", "value"],
        ["DELETE model-versions/delete-tag"] = ["name", "version", "key"],
        ["POST model-versions/transition-stage"] = ["name", "version", "stage", "archive_existing_versions"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every endpoint the table covers, as "METHOD route" (for the test that each mapped endpoint has its row).</summary>
    public static IEnumerable<string> Endpoints => Accepted.Keys;

    /// <summary>The table's key for a route pattern and method, or null when the route is not below /api/2.0/mlflow/.</summary>
    public static string? KeyOf(string method, string routePattern)
    {
        var at = routePattern.IndexOf(ApiPrefix, StringComparison.Ordinal);
        return at < 0 ? null : $"{method} {routePattern[(at + ApiPrefix.Length)..]}";
    }

    /// <summary>
    /// INVALID_PARAMETER_VALUE for the first field the endpoint does not take, or null when all are known. An endpoint
    /// missing from the table is Portal's mistake, refused loudly rather than let through unchecked.
    /// </summary>
    public static PortalError? Refusal(HttpContext context, TrackingRequest request)
    {
        var key = context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern } ? KeyOf(context.Request.Method, pattern) : null;
        if (key is null || !Accepted.TryGetValue(key, out var fields))
        {
            throw new InvalidOperationException($"MLflow endpoint {key ?? context.Request.Path.Value} has no row in {nameof(MlflowRequestFields)}.");
        }

        var unknown = request.FieldNames.FirstOrDefault(name => Array.IndexOf(fields, name) < 0);
        return unknown is null
            ? null
            : PortalError.Invalid($"Unknown field '{TrackingLimits.Shorten(unknown)}' for {key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..]}: it takes {string.Join(", ", fields)}. Check the field's spelling.");
    }
}
