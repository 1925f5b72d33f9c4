using GoChatAi.Web.Sessions;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GoChatAi.Web.Extensions;

public static class AccountEndpoints
{
    /// <summary>
    /// Sign-out is a form post with the page's anti-forgery token, so that no link, image or form elsewhere can sign a
    /// person out. The endpoint binds no form fields, so it checks the token itself: the framework's middleware only
    /// records a failed check for endpoints that read the form.
    /// </summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/signout", async Task<Results<BadRequest, RedirectHttpResult>> (HttpContext context, IAntiforgery antiforgery, BrowserSignIn signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.BadRequest();
            }

            await signIn.SignOutAsync(context);
            return TypedResults.LocalRedirect("/signin");
        }).RequireAuthorization();
        return endpoints;
    }
}
