using Portal.Testing;

namespace Portal.Tests.Mirroring;

public sealed class GitHttpFixture : IAsyncLifetime
{
    public GitHttpServer Server { get; private set; } = default!;

    public async Task InitializeAsync() => Server = await GitHttpServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
