using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Jobs;

/// <summary>
/// The one writer of job state. Every change reads the row, applies one of <see cref="Job"/>'s transitions to a copy,
/// and writes it back only if nobody wrote in between (a compare-and-swap on <see cref="Job.Version"/>), so a request,
/// a worker finishing, a lease renewal and a recovery on another node never lose each other's changes. The claim is a
/// single conditional UPDATE … RETURNING; on PostgreSQL its inner SELECT gains FOR UPDATE SKIP LOCKED.
/// </summary>
public sealed class JobEngine(PortalDbContext db, JobSignals signals, JobWriteGate writeGate, TimeProvider clock, IOptions<JobOptions> options)
{
    private const int MaxWriteAttempts = 8;

    /// <summary>Signals of changes made inside a caller's transaction, held until it commits (<see cref="SignalCommitted"/>).</summary>
    private readonly List<(string Kind, long TargetId, bool Wake)> uncommitted = [];

    public Task<Job?> FindAsync(string kind, long targetId, CancellationToken cancellationToken = default) =>
        db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Kind == kind && j.TargetId == targetId, cancellationToken);

    public async Task<IReadOnlyDictionary<long, Job>> FindManyAsync(string kind, IReadOnlyCollection<long> targetIds, CancellationToken cancellationToken = default) =>
        await db.Jobs.AsNoTracking().Where(j => j.Kind == kind && targetIds.Contains(j.TargetId)).ToDictionaryAsync(j => j.TargetId, cancellationToken);

    /// <summary>
    /// Creates the job of a new target, queued at once when <paramref name="queueWith"/> is given. Runs on the caller's
    /// DbContext, so it joins the caller's transaction (a repository and its import job are created together); once
    /// that commits, call <see cref="Announce"/> so workers and pages learn of it.
    /// </summary>
    public async Task<Job> CreateAsync(string kind, long targetId, JobTrigger? queueWith, string? requestedBy, CancellationToken cancellationToken = default)
    {
        var job = Job.Create(kind, targetId);
        if (queueWith is { } trigger)
        {
            job.Queue(trigger, requestedBy, clock.GetUtcNow().UtcDateTime, countsAsManual: false);
        }

        db.Jobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(job).State = EntityState.Detached;
        return job;
    }

    /// <summary>
    /// After the caller's transaction committed: the signals of the changes made in it. Sent earlier, a page would
    /// read the old state and an idle worker would find nothing to claim, or wait on the write lock the transaction held.
    /// </summary>
    public void SignalCommitted()
    {
        foreach (var (kind, targetId, wake) in uncommitted)
        {
            signals.NotifyChanged(kind, targetId);
            if (wake)
            {
                signals.Wake(kind);
            }
        }

        uncommitted.Clear();
    }

    /// <summary>Now, or once the caller's transaction commits when the change is made inside one.</summary>
    private void Signal(string kind, long targetId, bool wake)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            uncommitted.Add((kind, targetId, wake));
            return;
        }

        signals.NotifyChanged(kind, targetId);
        if (wake)
        {
            signals.Wake(kind);
        }
    }

    /// <summary>Tells this node's workers and pages about a job created (or queued) in a transaction that has now committed.</summary>
    public void Announce(string kind, long targetId)
    {
        signals.NotifyChanged(kind, targetId);
        signals.Wake(kind);
    }

    /// <summary>
    /// Asks for a run now. Already queued or running: refused (<see cref="JobRequestOutcome.AlreadyQueued"/>), or with
    /// <see cref="JobRequestRules.Coalesce"/> folded into the queued run or one more run after the running one. With
    /// <see cref="JobRequestRules.MinManualInterval"/>, refused that soon after the last such request. With
    /// <see cref="JobRequestRules.Delay"/>, the run is claimable only once the delay has passed, so a burst of requests
    /// (with <see cref="JobRequestRules.Coalesce"/>) is one run: a debounce. Of simultaneous requests exactly one queues the run.
    /// </summary>
    public async Task<JobRequestResult> RequestAsync(string kind, long targetId, JobTrigger trigger, string? requestedBy, JobRequestRules rules, CancellationToken cancellationToken = default)
    {
        // In turn with the workers' writes: a request that met a worker's write in SQLite would sleep 150 ms (BUSY) while
        // the workers went on claiming scheduled work before it. Inside a caller's transaction it cannot wait for the
        // gate (a worker at the gate may be waiting for that transaction's lock), so it writes as before.
        using var writing = db.Database.CurrentTransaction is null ? await writeGate.EnterAsync(cancellationToken) : null;
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var job = await FindAsync(kind, targetId, cancellationToken);
            if (job is null)
            {
                return new JobRequestResult(JobRequestOutcome.NoSuchJob, null, null);
            }

            var now = clock.GetUtcNow().UtcDateTime;
            if (job.Status is JobStatus.Queued or JobStatus.Running)
            {
                if (!rules.Coalesce)
                {
                    return new JobRequestResult(JobRequestOutcome.AlreadyQueued, null, job);
                }

                if (job.Status == JobStatus.Queued || job.RerunRequested)
                {
                    return new JobRequestResult(JobRequestOutcome.Coalesced, null, job);
                }

                var rerun = job.Copy();
                rerun.RequestRerun(trigger);
                if (await WriteAsync(job, rerun, cancellationToken))
                {
                    return new JobRequestResult(JobRequestOutcome.Coalesced, null, rerun);
                }

                continue;
            }

            if (rules.MinManualInterval is { } minimum && job.LastManualRequestAt is { } last && now - last < minimum)
            {
                return new JobRequestResult(JobRequestOutcome.TooSoon, minimum - (now - last), job);
            }

            var queued = job.Copy();
            queued.Queue(trigger, requestedBy, now, countsAsManual: rules.MinManualInterval is not null, notBefore: rules.Delay is { } delay ? now + delay : null);
            if (await WriteAsync(job, queued, cancellationToken))
            {
                if (rules.Delay is { } wait)
                {
                    signals.WakeAfter(kind, wait);
                }
                else
                {
                    signals.Wake(kind);
                }

                return new JobRequestResult(JobRequestOutcome.Queued, null, queued);
            }
        }

        return new JobRequestResult(JobRequestOutcome.AlreadyQueued, null, null);
    }

    /// <summary>Claims the oldest queued job of <paramref name="kind"/>, most urgent first: Queued → Running under a lease.</summary>
    public async Task<JobClaim?> ClaimAsync(string kind, string owner, CancellationToken cancellationToken)
    {
        using var writing = await writeGate.EnterAsync(cancellationToken);
        return await ClaimInTransactionAsync(kind, owner, cancellationToken);
    }

    /// <summary>
    /// The same claim inside the caller's write (which holds the <see cref="JobWriteGate"/>): a worker recording a
    /// run's end takes its next run in the same transaction. Announced once the caller calls <see cref="SignalCommitted"/>.
    /// </summary>
    public async Task<JobClaim?> ClaimInTransactionAsync(string kind, string owner, CancellationToken cancellationToken)
    {
        var row = await ClaimRowAsync(kind, owner, cancellationToken);
        if (row is null)
        {
            return null;
        }

        Signal(kind, row.TargetId, wake: false);
        return new JobClaim(kind, owner, row);
    }

    /// <summary>
    /// The claim, one statement: the oldest queued job of the kind (most urgent first) becomes Running under this
    /// owner's lease, and its row comes back. Read by position, through the connection EF uses. Only jobs queued no
    /// later than the claimer's "now" qualify: a worker that read the clock and then waited (for the database's write
    /// lock, for a thread) must not stamp a job queued after that with an attempt time, and a lease, from before it.
    /// </summary>
    private async Task<JobRun?> ClaimRowAsync(string kind, string owner, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        // Inside the caller's transaction the connection is open and must stay so until it commits.
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (transaction is null)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }

        try
        {
            if (transaction is null)
            {
                await SetSynchronousAsync(connection, "NORMAL", cancellationToken);
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var until = now + options.Value.Lease;
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE "Jobs" SET "Status" = 'Running', "LeaseOwner" = $owner, "LeaseExpiresAt" = $until, "LastAttemptAt" = $now, "Version" = "Version" + 1
                WHERE "Id" = (SELECT "Id" FROM "Jobs" WHERE "Kind" = $kind AND "Status" = 'Queued' AND "QueuedAt" <= $now ORDER BY "Priority" DESC, "QueuedAt", "Id" LIMIT 1)
                  AND "Status" = 'Queued'
                RETURNING "Id", "TargetId", "QueuedTrigger", "QueuedBy", "ConsecutiveFailures"
                """;
            AddParameter(command, "$owner", owner);
            AddParameter(command, "$until", until);
            AddParameter(command, "$now", now);
            AddParameter(command, "$kind", kind);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            var trigger = !reader.IsDBNull(2) && Enum.TryParse<JobTrigger>(reader.GetString(2), out var parsed) ? parsed : JobTrigger.Schedule;
            return new JobRun(reader.GetInt64(0), reader.GetInt64(1), trigger, reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4));
        }
        finally
        {
            if (transaction is null)
            {
                try
                {
                    await RestoreFullSynchronousAsync(connection);
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            }
        }
    }

    /// <summary>
    /// A claim on its own (an idle worker woken by new work) commits without waiting for the disk (2.7 ms per commit
    /// here, a tenth of a no-op sync's fixed cost). It needs no durability of its own: a claim lost to a power cut
    /// leaves the job queued, which is where lease expiry would put it anyway, and the first later commit (the run's
    /// recorded end, always FULL) syncs the write-ahead log with the claim in it. Corruption is not possible in WAL
    /// mode either way. The connection goes back to the pool as it came: FULL.
    /// </summary>
    private static async Task SetSynchronousAsync(System.Data.Common.DbConnection connection, string level, CancellationToken cancellationToken)
    {
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA synchronous = {level}";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task RestoreFullSynchronousAsync(System.Data.Common.DbConnection connection)
    {
        try
        {
            await SetSynchronousAsync(connection, "FULL", CancellationToken.None);
        }
        catch (Exception) when (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            // Never hand a connection that may still be NORMAL to the next writer: the pool is cleared, so this one is
            // closed for good when it is returned. The claim itself stands (it committed): its outcome is not replaced.
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(sqlite);
        }
    }

    private static void AddParameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        // Times as EF stores them (UtcDateTimeConverter): ISO text that sorts and compares as the columns do.
        parameter.Value = value is DateTime time ? time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture) : value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Extends a running claim; false when the worker no longer holds it.</summary>
    public async Task<bool> RenewAsync(JobClaim claim, CancellationToken cancellationToken)
    {
        using var writing = await writeGate.EnterAsync(cancellationToken);
        var until = clock.GetUtcNow().UtcDateTime + options.Value.Lease;
        var renewed = await db.Jobs
            .Where(j => j.Id == claim.Run.JobId && j.Status == JobStatus.Running && j.LeaseOwner == claim.Owner)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, until).SetProperty(j => j.Version, j => j.Version + 1), cancellationToken);
        return renewed == 1;
    }

    /// <summary>Records how a claimed run ended; nothing when the claim was lost meanwhile (another node recovered it).</summary>
    public Task<bool> CompleteAsync(JobClaim claim, JobResult result, JobRetryPolicy policy, JobSchedule schedule, CancellationToken cancellationToken = default) =>
        UpdateAsync(claim.Run.JobId, cancellationToken, job =>
        {
            if (job.Status != JobStatus.Running || job.LeaseOwner != claim.Owner)
            {
                return false;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            if (result.Succeeded)
            {
                job.Succeed(now, schedule);
            }
            else
            {
                job.Fail(result.Error!, now, policy, schedule);
                job.ForgetManualRequestIfFailed(claim.Run.Trigger);
            }

            job.RequeueIfRequested(now);
            return true;
        });

    /// <summary>Portal is stopping mid-run: the job goes back to the queue for the next start, not counted as a failure.</summary>
    public Task<bool> ReleaseAsync(JobClaim claim, CancellationToken cancellationToken = default) =>
        UpdateAsync(claim.Run.JobId, cancellationToken, job =>
        {
            if (job.Status != JobStatus.Running || job.LeaseOwner != claim.Owner)
            {
                return false;
            }

            job.Release();
            return true;
        });

    /// <summary>Running jobs whose lease lapsed before <paramref name="now"/>: their workers are gone.</summary>
    public async Task<IReadOnlyList<Job>> ExpiredAsync(DateTime now, CancellationToken cancellationToken) =>
        await db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Running && (j.LeaseExpiresAt == null || j.LeaseExpiresAt < now)).ToListAsync(cancellationToken);

    /// <summary>Ends a run whose worker is gone as a failure, if the job is still exactly as observed (a renewal in between wins).</summary>
    public async Task<bool> FailAbandonedAsync(Job observed, string reason, JobRetryPolicy policy, JobSchedule schedule, CancellationToken cancellationToken)
    {
        var failed = observed.Copy();
        failed.Fail(reason, clock.GetUtcNow().UtcDateTime, policy, schedule, interrupted: true);
        // The run's trigger, as it was queued (a running row keeps it until the run ends).
        failed.ForgetManualRequestIfFailed(observed.QueuedTrigger);

        return await WriteAsync(observed, failed, cancellationToken);
    }

    /// <summary>Queues every job whose time has come; one indexed statement however many jobs there are.</summary>
    public async Task<int> QueueDueAsync(CancellationToken cancellationToken)
    {
        using var writing = await writeGate.EnterAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Jobs
            .Where(j => j.DueAt <= now && (j.Status == JobStatus.Never || j.Status == JobStatus.Succeeded || j.Status == JobStatus.Failed))
            .ExecuteUpdateAsync(
                s => s
                    .SetProperty(j => j.Status, JobStatus.Queued)
                    .SetProperty(j => j.QueuedTrigger, JobTrigger.Schedule)
                    .SetProperty(j => j.QueuedBy, (string?)null)
                    .SetProperty(j => j.QueuedAt, now)
                    .SetProperty(j => j.Priority, 0)
                    .SetProperty(j => j.Version, j => j.Version + 1),
                cancellationToken);
    }

    /// <summary>When the job should next run by itself (null: not until asked).</summary>
    public Task RescheduleAsync(string kind, long targetId, DateTime? dueAt, CancellationToken cancellationToken = default) =>
        UpdateAsync(kind, targetId, cancellationToken, job =>
        {
            job.Reschedule(dueAt);
            return true;
        });

    /// <summary>A person answered a failure: the failure count starts over and the job is due now.</summary>
    public Task ForgetFailuresAsync(string kind, long targetId, CancellationToken cancellationToken = default) =>
        UpdateAsync(kind, targetId, cancellationToken, job =>
        {
            job.ForgetFailures(clock.GetUtcNow().UtcDateTime);
            return true;
        });

    public async Task RemoveAsync(string kind, long targetId, CancellationToken cancellationToken = default)
    {
        await db.Jobs.Where(j => j.Kind == kind && j.TargetId == targetId).ExecuteDeleteAsync(cancellationToken);
        signals.NotifyChanged(kind, targetId);
    }

    /// <summary>Removes the jobs of many targets of one kind at once (e.g. webhook deliveries pruned or deleted with their subscription).</summary>
    public async Task RemoveAsync(string kind, IReadOnlyCollection<long> targetIds, CancellationToken cancellationToken = default)
    {
        if (targetIds.Count == 0)
        {
            return;
        }

        await db.Jobs.Where(j => j.Kind == kind && targetIds.Contains(j.TargetId)).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<bool> UpdateAsync(string kind, long targetId, CancellationToken cancellationToken, Func<Job, bool> change)
    {
        var id = await db.Jobs.AsNoTracking().Where(j => j.Kind == kind && j.TargetId == targetId).Select(j => (long?)j.Id).FirstOrDefaultAsync(cancellationToken);
        return id is not null && await UpdateAsync(id.Value, cancellationToken, change);
    }

    /// <summary>Read, change a copy, compare-and-swap; again from a fresh read when someone wrote in between.</summary>
    private async Task<bool> UpdateAsync(long jobId, CancellationToken cancellationToken, Func<Job, bool> change)
    {
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var current = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId, cancellationToken);
            if (current is null)
            {
                return false;
            }

            var next = current.Copy();
            if (!change(next))
            {
                return false;
            }

            if (await WriteAsync(current, next, cancellationToken, wake: next.Status == JobStatus.Queued))
            {
                return true;
            }
        }

        throw new DbUpdateConcurrencyException($"Job {jobId} kept changing under {MaxWriteAttempts} attempts to update it.");
    }

    /// <summary>The compare-and-swap; when it wins, pages hear of the change (and idle workers, with <paramref name="wake"/>).</summary>
    private async Task<bool> WriteAsync(Job before, Job after, CancellationToken cancellationToken, bool wake = false)
    {
        var written = await db.Jobs
            .Where(j => j.Id == before.Id && j.Version == before.Version)
            .ExecuteUpdateAsync(
                s => s
                    .SetProperty(j => j.Status, after.Status)
                    .SetProperty(j => j.Priority, after.Priority)
                    .SetProperty(j => j.QueuedTrigger, after.QueuedTrigger)
                    .SetProperty(j => j.QueuedBy, after.QueuedBy)
                    .SetProperty(j => j.QueuedAt, after.QueuedAt)
                    .SetProperty(j => j.DueAt, after.DueAt)
                    .SetProperty(j => j.LastAttemptAt, after.LastAttemptAt)
                    .SetProperty(j => j.LastSuccessAt, after.LastSuccessAt)
                    .SetProperty(j => j.LastManualRequestAt, after.LastManualRequestAt)
                    .SetProperty(j => j.LastError, after.LastError)
                    .SetProperty(j => j.ConsecutiveFailures, after.ConsecutiveFailures)
                    .SetProperty(j => j.RerunRequested, after.RerunRequested)
                    .SetProperty(j => j.RerunTrigger, after.RerunTrigger)
                    .SetProperty(j => j.LeaseOwner, after.LeaseOwner)
                    .SetProperty(j => j.LeaseExpiresAt, after.LeaseExpiresAt)
                    .SetProperty(j => j.Version, before.Version + 1),
                cancellationToken);
        if (written == 1)
        {
            Signal(after.Kind, after.TargetId, wake);
        }

        return written == 1;
    }
}

/// <summary>A worker's hold on one running job.</summary>
public sealed record JobClaim(string Kind, string Owner, JobRun Run);

/// <summary>
/// How a request for a run is judged. <see cref="Coalesce"/>: a request while queued or running is folded in (at most
/// one more run), not refused. <see cref="MinManualInterval"/>: a person's request counts toward a limit, refused this
/// soon after the last. <see cref="Delay"/>: the run waits this long after the request that queued it (a debounce).
/// </summary>
public sealed record JobRequestRules(bool Coalesce = false, TimeSpan? MinManualInterval = null, TimeSpan? Delay = null);

public enum JobRequestOutcome
{
    Queued,
    Coalesced,
    AlreadyQueued,
    TooSoon,
    NoSuchJob,
}

/// <summary>What became of a request; <see cref="Job"/> as it stood (after the change, when one was made).</summary>
public sealed record JobRequestResult(JobRequestOutcome Outcome, TimeSpan? RetryAfter, Job? Job)
{
    public bool Accepted => Outcome is JobRequestOutcome.Queued or JobRequestOutcome.Coalesced;
}
