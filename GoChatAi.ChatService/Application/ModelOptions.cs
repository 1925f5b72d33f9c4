using System.ComponentModel.DataAnnotations;

namespace GoChatAi.ChatService.Application;

/// <summary>
/// The models this deployment allows and how the provider is called (section "Model"), validated at start-up.
/// Where the provider is comes from the <c>openai</c> connection string; when no model is listed here, the
/// connection string's model is the only one, with the default limits.
/// </summary>
public sealed class ModelOptions : IValidatableObject
{
    public const string SectionName = "Model";

    /// <summary>The model used when neither the request nor the conversation names one. Absent: the connection string's.</summary>
    public string? DefaultModel { get; set; }

    public List<ModelDefinition> Models { get; set; } = [];

    /// <summary>How long the provider may stay silent (before the first byte, or between two chunks of a stream).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a call that failed with 429 (rate limit), 408 or 5xx, honouring Retry-After.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>The longest Retry-After the service waits out itself; longer ones fail the call at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Models.Count; i++)
        {
            var model = Models[i];
            var context = new ValidationContext(model);
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(model, context, results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return new ValidationResult($"Model:Models:{i}: {result.ErrorMessage}", [$"Models:{i}"]);
                }
            }

            if (model.MaxOutputTokens >= model.ContextWindow)
            {
                yield return new ValidationResult($"Model:Models:{i}:MaxOutputTokens must be less than its ContextWindow.", [$"Models:{i}"]);
            }

            if (!ids.Add(model.Id))
            {
                yield return new ValidationResult($"Model:Models:{i}:Id '{model.Id}' is listed twice.", [$"Models:{i}"]);
            }
        }

        if (Models.Count == 0)
        {
            yield return new ValidationResult("Model:Models lists no model and the openai connection string names none (Model=...).", [nameof(Models)]);
        }
        else if (DefaultModel is not null && !ids.Contains(DefaultModel))
        {
            yield return new ValidationResult($"Model:DefaultModel '{DefaultModel}' is not one of Model:Models.", [nameof(DefaultModel)]);
        }
    }
}

/// <summary>One allowed model.</summary>
public sealed class ModelDefinition
{
    /// <summary>The id callers pass as <c>model</c> and the provider receives.</summary>
    [Required, RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,199}$")]
    public string Id { get; set; } = "";

    public string? DisplayName { get; set; }

    /// <summary>The most tokens of prompt plus answer.</summary>
    [Range(256, 10_000_000)]
    public int ContextWindow { get; set; } = 128_000;

    /// <summary>The most tokens one answer may have.</summary>
    [Range(16, 1_000_000)]
    public int MaxOutputTokens { get; set; } = 4_096;

    /// <summary>For Azure OpenAI: the deployment that serves this model. Absent: the id.</summary>
    public string? Deployment { get; set; }
}
