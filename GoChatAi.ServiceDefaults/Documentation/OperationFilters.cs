using GoChatAi.ServiceDefaults.Requests;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GoChatAi.ServiceDefaults.Documentation;

/// <summary>
/// An operation's title is the first sentence of its .proto comment; the whole comment (its rules and errors) is its
/// description. The reference page lists operations by title.
/// </summary>
internal sealed class OperationSummaries : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.Summary is not { Length: > 0 } comment)
        {
            return;
        }

        var end = comment.IndexOfAny(['.', '?', '!']);
        while (end >= 0 && end + 1 < comment.Length && !char.IsWhiteSpace(comment[end + 1]))
        {
            // A dot inside a name (AuthService.SignUp, e.g.) does not end the sentence.
            end = comment.IndexOfAny(['.', '?', '!'], end + 1);
        }

        var first = end < 0 ? comment : comment[..(end + 1)];
        operation.Summary = first.ReplaceLineEndings(" ");
        if (first.Length < comment.Length && string.IsNullOrEmpty(operation.Description))
        {
            operation.Description = comment;
        }
    }
}

/// <summary>
/// Operations are grouped by their gRPC service (AuthService, UserService, ChatService); the routes that are no gRPC
/// method (the discovery documents, Server-Sent Events) by themselves.
/// </summary>
internal static class OperationTags
{
    public const string PlainHttp = "HTTP only";

    public const string PlainHttpDescription =
        "Routes that are not gRPC methods: served over HTTP only, with no gRPC equivalent and no .proto comment.";

    public static List<string> Of(ApiDescription api) =>
        api.ActionDescriptor.EndpointMetadata.OfType<GrpcMethodMetadata>().Any()
            ? [api.ActionDescriptor.RouteValues["controller"] ?? PlainHttp]
            : [PlainHttp];
}

/// <summary>Describes the tag of the routes that are not gRPC methods, when the document has any.</summary>
internal sealed class PlainHttpTagDescription : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        if (context.ApiDescriptions.Any(api => OperationTags.Of(api) is [OperationTags.PlainHttp]))
        {
            document.Tags ??= [];
            document.Tags.Add(new OpenApiTag { Name = OperationTags.PlainHttp, Description = OperationTags.PlainHttpDescription });
        }
    }
}

/// <summary>
/// Marks the operations that need an access token ([Authorize] on the gRPC service or method, RequireAuthorization on
/// a plain endpoint) with the bearer scheme, so that the reference page sends the token with them and no others.
/// </summary>
internal sealed class BearerTokenRequirement : IOperationFilter
{
    private static readonly OpenApiSecurityScheme s_bearer = new()
    {
        Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = ApiDocumentationExtensions.BearerScheme },
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [s_bearer] = [] }];
        }
    }
}

/// <summary>
/// A plain REST endpoint that reads a protobuf message as its JSON body (<see cref="RestBodyMessage"/>, as the
/// Server-Sent Events route does) is documented with that message's schema, like a transcoded one.
/// </summary>
internal sealed class RestBodyMessageSchema : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.RequestBody is not null
            || context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<RestBodyMessage>().FirstOrDefault() is not { } body)
        {
            return;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content =
            {
                ["application/json"] = new OpenApiMediaType
                {
                    Schema = context.SchemaGenerator.GenerateSchema(body.Descriptor.ClrType, context.SchemaRepository),
                },
            },
        };
    }
}

/// <summary>
/// A request message's comment shows once, on its schema: the body refers to the message's schema plainly instead of
/// wrapping the reference to repeat the comment beside it.
/// </summary>
internal sealed class RequestBodyDescription : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var media in operation.RequestBody?.Content.Values ?? [])
        {
            if (media.Schema is { AllOf: [{ Reference.Id: { } id } reference], Properties.Count: 0 } wrapper
                && context.SchemaRepository.Schemas.TryGetValue(id, out var message)
                && message.Description == wrapper.Description)
            {
                media.Schema = reference;
            }
        }
    }
}
