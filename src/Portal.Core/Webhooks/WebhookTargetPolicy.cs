using Portal.Outbound;

namespace Portal.Core.Webhooks;

/// <summary>
/// Where webhooks may be delivered: absolute http(s) URLs without credentials, whose host passes the same address
/// policy as upstreams (Portal:Import:AllowLocalNetwork and AllowedHosts). Checked when a webhook is saved, so a refused
/// target is refused with its reason at once; every delivery is checked again when it connects (DNS may have changed).
/// </summary>
public sealed class WebhookTargetPolicy(OutboundAddressPolicy addresses)
{
    public const int MaxUrlLength = 2048;

    public async Task<Outcome<Uri>> CheckAsync(string? text, CancellationToken cancellationToken)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return PortalError.Invalid("Give the URL to deliver to, e.g. https://ci.example.com/hooks/portal.");
        }

        if (trimmed.Length > MaxUrlLength)
        {
            return PortalError.Invalid($"The URL is longer than {MaxUrlLength} characters.");
        }

        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") || url.Host.Length == 0)
        {
            return PortalError.Invalid($"'{trimmed}' is not an absolute http:// or https:// URL: give the receiver's full address, e.g. https://ci.example.com/hooks/portal.");
        }

        if (url.UserInfo.Length > 0)
        {
            return PortalError.Invalid("Put no user name or password in the URL: receivers check the X-Portal-Signature-256 header, signed with the webhook's secret.");
        }

        if (url.Fragment.Length > 0)
        {
            return PortalError.Invalid("Leave the #fragment out of the URL: it is never sent to the receiver.");
        }

        var checkedAddress = await addresses.CheckAsync(url.IdnHost, cancellationToken);
        return checkedAddress.Succeeded ? url : PortalError.Invalid($"Portal will not deliver webhooks there: {checkedAddress.Refusal}");
    }
}
