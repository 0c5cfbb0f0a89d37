# Build with the .NET 10 SDK; Portal targets net9.0 self-contained (see ../shared/STACK.md), so the output needs
# no .NET runtime in the final image, only its native dependencies.
FROM mcr.microsoft.com/dotnet/sdk:10.0-bookworm-slim AS build
# The web project's build runs `npm ci` for its front-end libraries (src/Portal.Web/package.json).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props Portal.sln BannedSymbols.*.txt ./
COPY src/Portal.Git/Portal.Git.csproj src/Portal.Git/
COPY src/Portal.Outbound/Portal.Outbound.csproj src/Portal.Outbound/
COPY src/Portal.Core/Portal.Core.csproj src/Portal.Core/
COPY src/Portal.Web/Portal.Web.csproj src/Portal.Web/
RUN dotnet restore src/Portal.Web/Portal.Web.csproj
COPY src/ src/
COPY wwwroot-assets/ wwwroot-assets/
RUN dotnet publish src/Portal.Web/Portal.Web.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:9.0-bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git git-lfs openssh-client ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system portal \
    && useradd --system --gid portal --home-dir /data --shell /usr/sbin/nologin portal \
    && mkdir -p /data && chown portal:portal /data
COPY --from=build /app /app
USER portal
ENV Portal__DataDir=/data \
    ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/app/Portal.Web"]
