// Starts Swagger UI on the API's OpenAPI document, whose address the page gives in data-spec-url (the
// Content-Security-Policy forbids inline scripts). Swagger UI is vendored in static/vendor/swagger-ui/.
const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.specUrl,
  domNode: root,
  deepLinking: true,
  validatorUrl: null, // no call to an outside validator
});
