/* The console: a static page that calls the JSON API (no build step). */
