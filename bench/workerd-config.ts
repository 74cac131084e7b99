/** Renders a `workerd serve` configuration (Cap'n Proto text) for the bench's services and sockets. */

export type Binding =
  | { readonly name: string; readonly text: string }
  | { readonly name: string; readonly json: unknown }
  | { readonly name: string; readonly kvNamespace: string }
  | { readonly name: string; readonly service: string };

export interface WorkerService {
  readonly name: string;
  /** File name of the ES module, relative to the config file's directory. */
  readonly module: string;
  readonly compatibilityDate: string;
  readonly compatibilityFlags?: readonly string[];
  readonly bindings?: readonly Binding[];
  /** Service that receives every `fetch()` the worker makes. */
  readonly globalOutbound?: string;
}

export interface ExternalService {
  readonly name: string;
  /** host:port of a plain HTTP server. */
  readonly external: string;
}

/** Static files served natively by workerd: the bench's origin. */
export interface DiskService {
  readonly name: string;
  readonly disk: string;
}

export type Service = WorkerService | ExternalService | DiskService;

export interface Socket {
  readonly name: string;
  readonly port: number;
  readonly service: string;
}

/** A Cap'n Proto text string literal. The bench only ever writes ASCII. */
function literal(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value))
    throw new Error(`non-ASCII or control character in ${value.slice(0, 40)}`);
  return JSON.stringify(value);
}

function renderBinding(binding: Binding): string {
  if ("text" in binding) return `(name = ${literal(binding.name)}, text = ${literal(binding.text)})`;
  if ("json" in binding)
    return `(name = ${literal(binding.name)}, json = ${literal(JSON.stringify(binding.json))})`;
  if ("kvNamespace" in binding)
    return `(name = ${literal(binding.name)}, kvNamespace = ${literal(binding.kvNamespace)})`;
  return `(name = ${literal(binding.name)}, service = ${literal(binding.service)})`;
}

function renderService(service: Service): string {
  if ("disk" in service)
    return `(name = ${literal(service.name)}, disk = (path = ${literal(service.disk)}, writable = false))`;
  if ("external" in service)
    return `(name = ${literal(service.name)}, external = (address = ${literal(service.external)}, http = ()))`;
  const parts = [
    `modules = [(name = ${literal(service.module)}, esModule = embed ${literal(service.module)})]`,
    `compatibilityDate = ${literal(service.compatibilityDate)}`,
    `compatibilityFlags = [${(service.compatibilityFlags ?? []).map(literal).join(", ")}]`,
    `bindings = [${(service.bindings ?? []).map(renderBinding).join(", ")}]`,
  ];
  if (service.globalOutbound) parts.push(`globalOutbound = ${literal(service.globalOutbound)}`);
  return `(name = ${literal(service.name)}, worker = (\n      ${parts.join(",\n      ")}\n    ))`;
}

export function renderConfig(services: readonly Service[], sockets: readonly Socket[]): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    ${services.map(renderService).join(",\n    ")}
  ],
  sockets = [
    ${sockets
      .map(
        (socket) =>
          `(name = ${literal(socket.name)}, address = ${literal(`127.0.0.1:${socket.port}`)}, http = (), service = ${literal(socket.service)})`,
      )
      .join(",\n    ")}
  ],
);
`;
}
