using Microsoft.AspNetCore.Http.HttpResults;

namespace TrueCost.Api.Querying;

/// <summary>Every problem found in one request's query string, answered together as one 400.</summary>
internal sealed class ParameterErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string parameter, string message)
    {
        if (!_errors.TryGetValue(parameter, out var messages))
        {
            _errors[parameter] = messages = [];
        }

        messages.Add(message);
    }

    public ProblemHttpResult ToProblem() =>
        TypedResults.Problem(new HttpValidationProblemDetails(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Invalid query parameters",
            Detail = string.Join(" ", _errors.Values.SelectMany(m => m)),
        });
}
