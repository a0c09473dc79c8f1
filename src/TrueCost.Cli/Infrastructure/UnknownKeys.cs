using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace TrueCost.Cli.Infrastructure;

/// <summary>
/// Refuses configuration keys no option has (a misspelt key would otherwise be ignored without a word).
/// Names compare without case, under the property's name or its <see cref="ConfigurationKeyNameAttribute"/>;
/// the binder's own ErrorOnUnknownConfiguration does not honour that attribute.
/// </summary>
internal static class UnknownKeys
{
    public static void Check(IConfigurationSection section, Type type)
    {
        if (IsLeaf(type) || !section.GetChildren().Any())
        {
            return;
        }

        if (ElementType(type) is { } element)
        {
            foreach (var child in section.GetChildren())
            {
                Check(child, element);
            }

            return;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .SelectMany(p => new[] { (p.Name, p.PropertyType), (p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name, p.PropertyType) })
            .GroupBy(p => p.Item1, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().PropertyType, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var propertyType))
            {
                throw new InvalidOperationException($"{child.Path} is not a setting; {section.Path} has: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}");
            }

            Check(child, Nullable.GetUnderlyingType(propertyType) ?? propertyType);
        }
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan)
        || Nullable.GetUnderlyingType(type) is not null;

    /// <summary>The value type of a list or a dictionary (whose keys are the user's own).</summary>
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type) || !type.IsGenericType)
        {
            return null;
        }

        var arguments = type.GetGenericArguments();
        return arguments[^1];
    }
}
