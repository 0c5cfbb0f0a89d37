using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Jobs;
using Portal.Core.Security;

namespace Portal.Core.Webhooks;

public static class WebhooksServiceCollectionExtensions
{
    /// <summary>Outbound webhooks: subscriptions, the event publisher, and the webhook-delivery job kind.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookSecretProtector>();
        services.AddSingleton<WebhookTargetPolicy>();
        services.AddSingleton<WebhookEventPublisher>();
        services.AddScoped<WebhookDeliveryQueue>();
        services.AddScoped<WebhookSubscriptionService>();
        services.AddJobKind<WebhookDeliveryJob>(WebhookDeliveryJob.Kind, sp =>
        {
            var options = sp.GetRequiredService<IOptions<WebhookOptions>>().Value;
            return new JobKind(WebhookDeliveryJob.Kind, options.MaxConcurrent, options.RetryPolicy);
        });
        return services;
    }
}
