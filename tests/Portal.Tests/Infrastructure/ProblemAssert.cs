using System.Net;
using System.Text.Json;

namespace Portal.Tests.Infrastructure;

public static class ProblemAssert
{
    /// <summary>Asserts an RFC 9457 problem-details response with the status and a detail containing <paramref name="detailContains"/>.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        var detail = problem.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, detail, StringComparison.OrdinalIgnoreCase);
        }

        return problem;
    }
}
