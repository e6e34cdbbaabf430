// Desk's Swagger UI: the spec from this server, and "Bearer " added to a bare token.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    requestInterceptor: function (request) {
      var auth = request.headers && request.headers.Authorization;
      if (auth && !/^bearer\s/i.test(auth)) {
        request.headers.Authorization = "Bearer " + auth.trim();
      }
      return request;
    },
  });
};
