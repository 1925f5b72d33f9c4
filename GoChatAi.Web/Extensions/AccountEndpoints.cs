using GoChatAi.Web.Sessions;

namespace GoChatAi.Web.Extensions;

public static class AccountEndpoints
{
    /// <summary>Sign-out is a form post (with its anti-forgery token), so that no link or image elsewhere can sign a person out.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/signout", async (HttpContext context, BrowserSignIn signIn) =>
        {
            await signIn.SignOutAsync(context);
            return TypedResults.LocalRedirect("/signin");
        }).RequireAuthorization();
        return endpoints;
    }
}
