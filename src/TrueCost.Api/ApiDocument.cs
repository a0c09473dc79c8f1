using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using TrueCost.Api.Auth;

namespace TrueCost.Api;

/// <summary>The OpenAPI document (/openapi/v1.json), stating the X-Api-Key scheme on every operation that needs a key
/// and money as decimal numbers.</summary>
internal static class ApiDocument
{
    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "TrueCost API";
                document.Info.Description = "Allocated LLM cost per hour, route, tenant, model and traffic class; GPU pools; incidents.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyAuthentication.Scheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyAuthentication.Header,
                    Description = "An API key; a key scoped to a tenant sees only that tenant's cost rows",
                };
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(decimal))
                {
                    schema.Format = "decimal";
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(ApiKeyAuthentication.Scheme, context.Document)] = [],
                    });
                }

                return Task.CompletedTask;
            });
        });
}
