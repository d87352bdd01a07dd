import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';

/**
 * The one confirmation pattern after an action (sent, disconnected, completed, deactivated…): a short message in a
 * polite live region at the bottom of the screen, gone after a few seconds. Never a native `alert()`.
 */
interface ToastValue {
  show(message: string): void;
}

const ToastContext = createContext<ToastValue>({ show: () => {} });
const TOAST_MS = 5000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [messages, setMessages] = useState<{ id: number; text: string }[]>([]);
  const show = useCallback((text: string) => {
    setMessages((list) => [...list.slice(-2), { id: Date.now() + Math.random(), text }]);
  }, []);
  return (
    <ToastContext.Provider value={{ show }}>
      {children}
      <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
        {messages.map((message) => (
          <ToastItem
            key={message.id}
            text={message.text}
            onDone={() => setMessages((list) => list.filter((item) => item.id !== message.id))}
          />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastItem({ text, onDone }: { text: string; onDone(): void }) {
  useEffect(() => {
    const timer = window.setTimeout(onDone, TOAST_MS);
    return () => window.clearTimeout(timer);
  }, [onDone]);
  return (
    <div className="toast" data-testid="toast">
      {text}
    </div>
  );
}

export function useToast(): ToastValue {
  return useContext(ToastContext);
}
