using System.ClientModel;
using GoChatAi.ServiceDefaults.Errors;
using Polly.CircuitBreaker;

namespace GoChatAi.ChatService.Infrastructure.Model;

/// <summary>
/// What a failed call to the model provider means for our caller, as a <see cref="ServiceException"/> whose
/// message names nothing internal: the provider's own words, its key and its URL stay in the operator's log.
/// </summary>
public static partial class ModelErrors
{
    private static readonly TimeSpan s_defaultRetryAfter = TimeSpan.FromSeconds(10);

    public static ServiceException ToServiceException(Exception exception, string modelId, ILogger logger)
    {
        switch (exception)
        {
            case ClientResultException result:
                return FromProviderStatus(result, modelId, logger);
            case BrokenCircuitException:
                return new ServiceException(ErrorKind.Unavailable, "The model provider is unavailable; try again shortly.", retryAfter: s_defaultRetryAfter);
            case TimeoutException or TaskCanceledException or OperationCanceledException:
                return new ServiceException(ErrorKind.DeadlineExceeded, "The model did not answer in time.");
            case HttpRequestException or IOException:
                LogProviderUnreachable(logger, exception, modelId);
                return new ServiceException(ErrorKind.Unavailable, "The connection to the model provider broke.", retryAfter: s_defaultRetryAfter);
            default:
                LogProviderFailure(logger, exception, modelId);
                return new ServiceException(ErrorKind.Unavailable, "The model provider failed to answer.", retryAfter: s_defaultRetryAfter);
        }
    }

    private static ServiceException FromProviderStatus(ClientResultException exception, string modelId, ILogger logger)
    {
        var response = exception.GetRawResponse();
        var error = ProviderResponses.ReadError(response);
        var code = error.Code;
        var status = exception.Status;

        if (code == "context_length_exceeded")
        {
            return new ServiceException(ErrorKind.InvalidArgument,
                $"The conversation is too long for the model '{modelId}': start a new conversation or use a model with a larger context window.",
                [new FieldViolation("conversation_id", "the conversation is too long for the model")]);
        }

        if (status is 401 or 403 || code == "invalid_api_key")
        {
            LogProviderRefusedKey(logger, status, modelId);
            return new ServiceException(ErrorKind.Unavailable, "The model provider is unavailable.");
        }

        if (status == 429 && ProviderResponses.IsQuotaExhausted(error))
        {
            LogProviderQuotaExhausted(logger, modelId);
            return new ServiceException(ErrorKind.Unavailable, "The model provider is unavailable: this deployment's quota is used up.");
        }

        if (status == 429)
        {
            var retryAfter = (response is null ? null : ProviderResponses.RetryAfter(response, DateTimeOffset.UtcNow)) ?? s_defaultRetryAfter;
            return new ServiceException(ErrorKind.ResourceExhausted, "The model provider is rate limiting requests; try again later.", retryAfter: retryAfter);
        }

        if (status is 408 or 504)
        {
            return new ServiceException(ErrorKind.DeadlineExceeded, "The model did not answer in time.");
        }

        LogProviderStatus(logger, status, code ?? "", modelId);
        return new ServiceException(ErrorKind.Unavailable, "The model provider failed to answer.", retryAfter: s_defaultRetryAfter);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The model provider refused this deployment's credentials (HTTP {Status}) for model {Model}: check ConnectionStrings:openai's Key")]
    private static partial void LogProviderRefusedKey(ILogger logger, int status, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "The model provider says this deployment's quota is used up (insufficient_quota) for model {Model}")]
    private static partial void LogProviderQuotaExhausted(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model provider answered HTTP {Status} ({Code}) for model {Model}")]
    private static partial void LogProviderStatus(ILogger logger, int status, string code, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model provider could not be reached for model {Model}")]
    private static partial void LogProviderUnreachable(ILogger logger, Exception exception, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The call to the model provider failed for model {Model}")]
    private static partial void LogProviderFailure(ILogger logger, Exception exception, string model);
}
