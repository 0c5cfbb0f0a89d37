using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Core.Experiments;
using Portal.Core;
using Portal.Core.ModelRegistry;
using Portal.Core.Repositories;
using Portal.Web.Authentication;
using Portal.Web.Hosting;

namespace Portal.Web.Remotes;

/// <summary>
/// The experiment-tracking remote at /{owner}/{name}.mlflow: MLflow's tracking REST API
/// (https://mlflow.org/docs/latest/rest-api.html), the endpoints the client uses for tracking, with MLflow's JSON
/// shapes and errors ({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": …}). Clients authenticate with
/// MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (a Portal token), sent as Basic auth.
/// </summary>
public static class MlflowEndpoints
{
    /// <summary>MLflow's own cap on a log-batch request (MAX_BATCH_LOG_REQUEST_SIZE in mlflow/utils/validation.py).</summary>
    public const long MaxBatchRequestBytes = 1_000_000;

    /// <summary>Every other request: the largest holds a few tags of at most 8,000 characters each.</summary>
    public const long MaxRequestBytes = 256 * 1024;

    /// <summary>NaN and ±Infinity are metric values too; they travel as "NaN", "Infinity", "-Infinity", as MLflow's protobuf JSON writes them.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Each repository's experiment-tracking remote (MLflow's REST API), stored in the database.</summary>
    public static IServiceCollection AddExperimentTracking(this IServiceCollection services) => services
        .AddScoped<ExperimentService>()
        .AddScoped<RunService>()
        .AddScoped<RunSearchService>()
        .AddScoped<RunColumnsService>()
        .AddScoped<RunIoService>()
        .AddScoped<LoggedModelService>()
        .AddScoped<RegisteredModelService>()
        .AddScoped<ModelVersionService>();

    public static IEndpointRouteBuilder MapMlflowRemote(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(@"/{owner}/{repo:regex(\.mlflow$)}/api/2.0/mlflow").AllowAnonymous().DisableAntiforgery()
            .WithRequestBodyLimit(MaxRequestBytes, "send less in one request.", RefuseTooLargeAsync)
            .AddEndpointFilter(AnswerFailuresAsync);
        api.MapPost("/experiments/create", (HttpContext c, string owner, string repo) => Handle<ExperimentService>(c, owner, repo, write: true, CreateExperimentAsync));
        api.MapGet("/experiments/get", (HttpContext c, string owner, string repo) => Handle<ExperimentService>(c, owner, repo, write: false, GetExperimentAsync));
        api.MapGet("/experiments/get-by-name", (HttpContext c, string owner, string repo) => Handle<ExperimentService>(c, owner, repo, write: false, GetExperimentByNameAsync));
        api.MapMethods("/experiments/search", ["GET", "POST"], (HttpContext c, string owner, string repo) => Handle<ExperimentService>(c, owner, repo, write: false, SearchExperimentsAsync));
        api.MapPost("/experiments/update", (HttpContext c, string owner, string repo) => Handle<ExperimentService>(c, owner, repo, write: true, UpdateExperimentAsync));
        api.MapPost("/experiments/delete", (HttpContext c, string owner, string repo) => Handle<ExperimentService>(c, owner, repo, write: true, DeleteExperimentAsync));
        api.MapPost("/experiments/restore", (HttpContext c, string owner, string repo) => Handle<ExperimentService>(c, owner, repo, write: true, RestoreExperimentAsync));
        api.MapPost("/experiments/set-experiment-tag", (HttpContext c, string owner, string repo) => Handle<ExperimentService>(c, owner, repo, write: true, SetExperimentTagAsync));
        api.MapPost("/runs/create", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, CreateRunAsync));
        api.MapGet("/runs/get", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: false, GetRunAsync));
        api.MapPost("/runs/update", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, UpdateRunAsync));
        api.MapPost("/runs/delete", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, DeleteRunAsync));
        api.MapPost("/runs/restore", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, RestoreRunAsync));
        api.MapPost("/runs/delete-tag", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, DeleteTagAsync));
        api.MapPost("/runs/search", (HttpContext c, string owner, string repo) => Handle<RunSearchService>(c, owner, repo, write: false, SearchRunsAsync));
        api.MapPost("/runs/log-metric", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, LogMetricAsync));
        api.MapPost("/runs/log-parameter", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, LogParameterAsync));
        api.MapPost("/runs/set-tag", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, SetTagAsync));
        api.MapPost("/runs/log-batch", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: true, LogBatchAsync))
            .WithRequestBodyLimit(MaxBatchRequestBytes, "split the batch across several requests, as MLflow's client does.", RefuseTooLargeAsync);
        api.MapGet("/metrics/get-history", (HttpContext c, string owner, string repo) => Handle<RunService>(c, owner, repo, write: false, MetricHistoryAsync));
        api.MapModelRegistry();
        api.MapLoggedModels();

        // Anything else under .mlflow (an endpoint Portal does not have, or a method it does not take) answers as MLflow
        // does, in JSON a client can read, not with Portal's HTML "Page not found". Literal routes above win over this.
        app.Map(@"/{owner}/{repo:regex(\.mlflow$)}/{**rest}", (string? rest) => ErrorResult(
                "ENDPOINT_NOT_FOUND",
                $"No such MLflow endpoint: /{rest}. Portal serves MLflow's tracking REST API under /api/2.0/mlflow/ and its artifact store under /api/2.0/mlflow-artifacts/artifacts/.",
                StatusCodes.Status404NotFound))
            .AllowAnonymous().DisableAntiforgery();
        return app;
    }

    /// <summary>One MLflow endpoint: the service it calls, for the repository the request was authorized for.</summary>
    internal delegate Task<IResult> Operation<in TService>(TService service, long repositoryId, TrackingRequest request, CancellationToken cancellationToken);

    internal static async Task Handle<TService>(HttpContext context, string owner, string repo, bool write, Operation<TService> operation)
        where TService : notnull
    {
        if (await AuthorizeAsync(context, owner, repo, write) is not { } repository)
        {
            return;
        }

        var request = await TrackingRequest.ReadAsync(context);
        if (request is null)
        {
            await Error(PortalError.Invalid("The request body is not valid JSON.")).ExecuteAsync(context);
            return;
        }

        if (MlflowRequestFields.Refusal(context, request) is { } unknownField)
        {
            await Error(unknownField).ExecuteAsync(context);
            return;
        }

        var service = context.RequestServices.GetRequiredService<TService>();
        await (await operation(service, repository.Id, request, context.RequestAborted)).ExecuteAsync(context);
    }

    /// <summary>
    /// The repository behind /{owner}/{repo}.mlflow when the caller may read it (or write, for <paramref name="write"/>);
    /// otherwise null, with the refusal written in MLflow's shape (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_DOES_NOT_EXIST).
    /// </summary>
    internal static async Task<Repository?> AuthorizeAsync(HttpContext context, string owner, string repo, bool write)
    {
        var access = await context.RequestServices.GetRequiredService<RepositoryRequestAuthorizer>().ResolveAsync(context, owner, repo[..^7], write, mirrorIsReadOnly: false);
        if (access.Refusal is not { } refusal)
        {
            return access.Repository!;
        }

        if (refusal.Challenge)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Portal\"";
        }

        var code = refusal.Status switch
        {
            StatusCodes.Status401Unauthorized => "UNAUTHENTICATED",
            StatusCodes.Status403Forbidden => "PERMISSION_DENIED",
            _ => "RESOURCE_DOES_NOT_EXIST",
        };
        await ErrorResult(code, refusal.Message, refusal.Status).ExecuteAsync(context);
        return null;
    }

    private static async Task<IResult> CreateExperimentAsync(ExperimentService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var created = await t.CreateAsync(repo, r.String("name"), r.String("artifact_location"), r.KeyValues("tags"), ct);
        return created.Succeeded ? Ok(new { experiment_id = Id(created.Value!) }) : Error(created.Error!);
    }

    private static async Task<IResult> GetExperimentAsync(ExperimentService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.GetAsync(repo, r.String("experiment_id"), ct);
        return found.Succeeded ? Ok(new { experiment = Experiment(found.Value!) }) : Error(found.Error!);
    }

    private static async Task<IResult> GetExperimentByNameAsync(ExperimentService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.GetByNameAsync(repo, r.String("experiment_name"), ct);
        return found.Succeeded ? Ok(new { experiment = Experiment(found.Value!) }) : Error(found.Error!);
    }

    private static async Task<IResult> SearchExperimentsAsync(ExperimentService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.SearchAsync(repo, r.String("filter"), r.String("view_type"), (int)(r.Long("max_results") ?? 1000), r.Strings("order_by"), r.String("page_token"), ct);
        return found.Succeeded ? Ok(new { experiments = found.Value.Experiments.Select(Experiment), next_page_token = found.Value.NextPageToken }) : Error(found.Error!);
    }

    private static async Task<IResult> UpdateExperimentAsync(ExperimentService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.RenameAsync(repo, r.String("experiment_id"), r.String("new_name"), ct));

    private static async Task<IResult> DeleteExperimentAsync(ExperimentService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.DeleteAsync(repo, r.String("experiment_id"), ct));

    private static async Task<IResult> RestoreExperimentAsync(ExperimentService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.RestoreAsync(repo, r.String("experiment_id"), ct));

    private static async Task<IResult> SetExperimentTagAsync(ExperimentService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.SetTagAsync(repo, r.String("experiment_id"), r.String("key"), r.String("value"), ct));

    private static async Task<IResult> CreateRunAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var created = await t.CreateAsync(repo, r.String("experiment_id"), r.String("user_id"), r.String("run_name"), r.Long("start_time"), r.KeyValues("tags"), ct);
        return created.Succeeded ? Ok(new { run = Run(created.Value!) }) : Error(created.Error!);
    }

    private static async Task<IResult> GetRunAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.GetAsync(repo, r.String("run_id") ?? r.String("run_uuid"), ct);
        return found.Succeeded ? Ok(new { run = Run(found.Value!) }) : Error(found.Error!);
    }

    private static async Task<IResult> UpdateRunAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var updated = await t.UpdateAsync(repo, r.String("run_id") ?? r.String("run_uuid"), r.String("status"), r.Long("end_time"), r.String("run_name"), ct);
        return updated.Succeeded ? Ok(new { run_info = RunInfo(updated.Value!) }) : Error(updated.Error!);
    }

    private static async Task<IResult> DeleteRunAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.DeleteAsync(repo, r.String("run_id"), ct));

    private static async Task<IResult> RestoreRunAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.RestoreAsync(repo, RunId(r), ct));

    private static async Task<IResult> DeleteTagAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct) =>
        Empty(await t.DeleteTagAsync(repo, RunId(r), r.String("key"), ct));

    private static async Task<IResult> SearchRunsAsync(RunSearchService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var found = await t.SearchAsync(repo, r.Strings("experiment_ids"), r.String("filter"), r.String("run_view_type"), (int)(r.Long("max_results") ?? 1000), r.Strings("order_by"), r.String("page_token"), ct);
        return found.Succeeded ? Ok(new { runs = found.Value.Runs.Select(Run), next_page_token = found.Value.NextPageToken }) : Error(found.Error!);
    }

    private static async Task<IResult> LogMetricAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var metric = r.Metric(r.Root);
        return metric is null
            ? Error(PortalError.Invalid("Missing value for required parameter 'key', 'value' or 'timestamp'."))
            : Empty(await t.LogBatchAsync(repo, RunId(r), [metric], [], [], ct));
    }

    private static async Task<IResult> LogParameterAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct) =>
        r.String("key") is { } key
            ? Empty(await t.LogBatchAsync(repo, RunId(r), [], [(key, r.String("value") ?? "")], [], ct))
            : Error(PortalError.Invalid("Missing value for required parameter 'key'."));

    private static async Task<IResult> SetTagAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct) =>
        r.String("key") is { } key
            ? Empty(await t.LogBatchAsync(repo, RunId(r), [], [], [(key, r.String("value") ?? "")], ct))
            : Error(PortalError.Invalid("Missing value for required parameter 'key'."));

    private static async Task<IResult> LogBatchAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var metrics = r.Array("metrics").Select(r.Metric).ToList();
        if (metrics.Any(m => m is null))
        {
            return Error(PortalError.Invalid("Every metric needs 'key', 'value' and 'timestamp'."));
        }

        return Empty(await t.LogBatchAsync(repo, RunId(r), metrics!, r.KeyValues("params"), r.KeyValues("tags"), ct));
    }

    private static async Task<IResult> MetricHistoryAsync(RunService t, long repo, TrackingRequest r, CancellationToken ct)
    {
        var history = await t.MetricHistoryAsync(repo, RunId(r), r.String("metric_key"), ct);
        return history.Succeeded ? Ok(new { metrics = history.Value!.Select(Metric) }) : Error(history.Error!);
    }

    private static string? RunId(TrackingRequest r) => r.String("run_id") ?? r.String("run_uuid");

    private static string Id(TrackingExperiment e) => e.Id.ToString(CultureInfo.InvariantCulture);

    private static object Experiment(TrackingExperiment e) => new
    {
        experiment_id = Id(e),
        name = e.Name,
        artifact_location = ArtifactLocations.Experiment(e),
        lifecycle_stage = e.LifecycleStage,
        last_update_time = e.LastUpdateTime,
        creation_time = e.CreationTime,
        tags = e.Tags.Select(tag => new { key = tag.Key, value = tag.Value }),
    };

    private static object RunInfo(TrackingRun run) => new
    {
        run_id = run.Id,
        run_uuid = run.Id,
        run_name = run.RunName,
        experiment_id = run.ExperimentId.ToString(CultureInfo.InvariantCulture),
        user_id = run.UserId,
        status = run.Status,
        start_time = run.StartTime,
        end_time = run.EndTime,
        artifact_uri = ArtifactLocations.Run(run),
        lifecycle_stage = run.LifecycleStage,
    };

    private static object Run(TrackingRun run) => new
    {
        info = RunInfo(run),
        data = new
        {
            metrics = run.LatestMetrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new { key = m.Key, value = m.Value, timestamp = m.Timestamp, step = m.Step }),
            @params = run.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new { key = p.Key, value = p.Value }),
            tags = run.Tags.OrderBy(tag => tag.Key, StringComparer.Ordinal).Select(tag => new { key = tag.Key, value = tag.Value }),
        },
        inputs = new
        {
            dataset_inputs = run.DatasetInputs.Select(i => new
            {
                tags = i.Tags.Select(t => new { key = t.Key, value = t.Value }),
                dataset = new { name = i.Name, digest = i.Digest, source_type = i.SourceType, source = i.Source, schema = i.Schema, profile = i.Profile },
            }),
            model_inputs = run.Models.Where(m => !m.IsOutput).Select(m => new { model_id = m.ModelId }),
        },
        outputs = new { model_outputs = run.Models.Where(m => m.IsOutput).Select(m => new { model_id = m.ModelId, step = m.Step }) },
    };

    private static object Metric(TrackingMetric m) => new { key = m.Key, value = m.Value, timestamp = m.Timestamp, step = m.Step };

    internal static IResult Ok(object body) => Results.Json(body, Json);

    internal static IResult Empty(Outcome<bool> outcome) => outcome.Succeeded ? Results.Json(new { }) : Error(outcome.Error!);

    /// <summary>MLflow refuses an oversized batch with INVALID_PARAMETER_VALUE; the status says why (413).</summary>
    internal static Task RefuseTooLargeAsync(HttpContext context, string message) =>
        ErrorResult("INVALID_PARAMETER_VALUE", message, StatusCodes.Status413PayloadTooLarge).ExecuteAsync(context);

    internal static IResult Error(PortalError error)
    {
        var (code, status) = error.Kind switch
        {
            PortalErrorKind.NotFound => ("RESOURCE_DOES_NOT_EXIST", StatusCodes.Status404NotFound),
            PortalErrorKind.Conflict => ("RESOURCE_ALREADY_EXISTS", StatusCodes.Status400BadRequest),
            PortalErrorKind.Forbidden => ("PERMISSION_DENIED", StatusCodes.Status403Forbidden),
            // MLflow sends RESOURCE_EXHAUSTED with 429, which its client retries for minutes; a full store stays full, so 507.
            PortalErrorKind.InsufficientStorage => ("RESOURCE_EXHAUSTED", StatusCodes.Status507InsufficientStorage),
            _ => ("INVALID_PARAMETER_VALUE", StatusCodes.Status400BadRequest),
        };
        return ErrorResult(code, error.Message, status);
    }

    /// <summary>
    /// An unexpected failure answers as MLflow's server does (INTERNAL_ERROR, 500, JSON the client shows), not with
    /// Portal's error page, which a PUT or DELETE cannot even reach (405). Logged, and named to the client only by the
    /// request id. A refused body (413) and a client that went away are not failures of Portal's.
    /// </summary>
    internal static async ValueTask<object?> AnswerFailuresAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        try
        {
            return await next(invocation);
        }
        catch (Exception exception) when (exception is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MlflowEndpoints))
                .LogError(exception, "MLflow request {Method} {Path} failed (request {RequestId})", context.Request.Method, context.Request.Path, context.TraceIdentifier);
            return ErrorResult("INTERNAL_ERROR", $"Portal could not complete this request; an admin finds why in its log under request id {context.TraceIdentifier}.", StatusCodes.Status500InternalServerError);
        }
    }

    /// <summary>An error as MLflow's server writes one: {"error_code": …, "message": …} with the code's HTTP status.</summary>
    internal static IResult ErrorResult(string code, string message, int status) => Results.Json(new { error_code = code, message }, statusCode: status);
}
