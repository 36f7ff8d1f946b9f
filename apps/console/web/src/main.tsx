import { createRoot } from 'react-dom/client';
import { App } from './App';
import { readBootstrap } from './bootstrap';

createRoot(document.getElementById('root') as HTMLElement).render(<App boot={readBootstrap()} />);
