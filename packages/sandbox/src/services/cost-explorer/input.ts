import { ServiceError } from "../../http.js";

/** Cost Explorer answers bad input with the unmodelled ValidationException (400). */
export function validation(message: string): ServiceError {
  return new ServiceError("ValidationException", message);
}

export function wholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}
