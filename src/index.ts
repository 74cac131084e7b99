export default {
  async fetch(): Promise<Response> {
    return new Response("hello");
  },
} satisfies ExportedHandler<Env>;
