using Microsoft.AspNetCore.Identity;

namespace Portal.Core.Accounts;

public sealed class PortalUser : IdentityUser
{
    public long OwnerId { get; set; }

    public Owner? Owner { get; set; }

    public bool IsAdmin { get; set; }

    public DateTime CreatedAt { get; set; }
}
