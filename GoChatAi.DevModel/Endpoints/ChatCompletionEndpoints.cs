namespace GoChatAi.DevModel.Endpoints;

/// <summary>The chat.completions routes, in OpenAI's form and in Azure OpenAI's.</summary>
internal static class ChatCompletionEndpoints
{
    public static IEndpointRouteBuilder MapChatCompletionEndpoints(this IEndpointRouteBuilder app)
    {
        // OpenAI's form; "/chat/completions" too, for clients whose base address leaves out /v1.
        app.MapPost("/v1/chat/completions", (HttpContext context, ChatCompletionHandler handler) => handler.HandleAsync(context, deployment: null));
        app.MapPost("/chat/completions", (HttpContext context, ChatCompletionHandler handler) => handler.HandleAsync(context, deployment: null));

        // Azure OpenAI's form: the deployment names the model; api-version is accepted whatever it is.
        app.MapPost(
            "/openai/deployments/{deployment}/chat/completions",
            (HttpContext context, string deployment, ChatCompletionHandler handler) => handler.HandleAsync(context, deployment));

        return app;
    }
}
